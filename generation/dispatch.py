"""Where a new generation goes: the `gpu` Celery queue, or a thread in this process.

The embedded default (no broker) runs tasks in a single background thread of
the web process, one generation at a time, as a one-GPU worker would.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None


def _run_in_thread(generation_id: int) -> None:
    from generation.tasks import run_generation

    try:
        run_generation.run(generation_id)
    except Exception:  # noqa: BLE001 - a thread has no one else to report to
        log.exception("in-process generation %s crashed", generation_id)
    finally:
        close_old_connections()


def enqueue(generation_id: int) -> None:
    global _executor
    if settings.EASEL_TASKS_INPROCESS:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="easel-gpu")
        _executor.submit(_run_in_thread, generation_id)
        return
    from generation.tasks import run_generation

    run_generation.apply_async(args=[generation_id], queue="gpu")
