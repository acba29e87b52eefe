"""A real Celery worker for the fault tests: `python tests/faults/worker.py NAME QUEUES`.

It is `celery -A webapp worker --pool=prefork` (-c 1 on the gpu queue), with two test-only changes:

- The model is loaded in the parent before the pool forks (one torch thread,
  so forking is safe on the CPU). A pool process killed with SIGKILL is then
  replaced in milliseconds instead of re-importing torch, so a test can kill
  generations dozens of times in a minute or two.
- FAULTS_STEP_DELAY_S / FAULTS_UPLOAD_DELAY_S slow each sampling step and each
  upload down, so that a kill can land at a chosen stage of a generation.

Everything else (settings, tasks, claiming, storage, the broker) is the product's.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")


def _slow_down() -> None:
    from generation import tasks
    from generation.lib import storage

    step_delay = float(os.environ.get("FAULTS_STEP_DELAY_S", "0"))
    upload_delay = float(os.environ.get("FAULTS_UPLOAD_DELAY_S", "0"))
    if step_delay:
        real_run = tasks._run_model

        def slow_run(request, progress=None):
            def slow_progress(stage, step, total):
                time.sleep(step_delay)
                if progress:
                    progress(stage, step, total)

            return real_run(request, progress=slow_progress)

        tasks._run_model = slow_run
    if upload_delay:
        real_save = storage.save_bytes

        def slow_save(key, data):
            time.sleep(upload_delay)
            return real_save(key, data)

        storage.save_bytes = slow_save


def main(name: str, queues: str) -> None:
    import django

    django.setup()
    if "gpu" in queues.split(","):
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        from gpu_worker.engine import get_engine

        get_engine()
    _slow_down()
    from django.db import connections

    connections.close_all()  # nothing the pool processes could inherit half-open
    from webapp.celery import app

    app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "--pool=prefork",
            "-c",
            "1" if "gpu" in queues.split(",") else "2",  # a GPU takes one generation at a time
            "-n",
            name,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--prefetch-multiplier=1",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
