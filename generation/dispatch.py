"""Where a new generation goes: the `gpu` Celery queue, or a thread in this process.

The embedded default (no broker) runs tasks in a single background thread of
the web process, one generation at a time, as a one-GPU worker would.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None

# About 10 s of retries (0, 0.5, 1, 1.5, 2, 2, 2, ...) before giving up on the broker.
PUBLISH_RETRY_POLICY = {
    "max_retries": 8,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 2,
}


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

    try:
        # A broker that restarts is back within seconds: keep trying that long.
        run_generation.apply_async(
            args=[generation_id], queue="gpu", retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except (BrokerError, OSError):
        # The row is committed and charged, so it is not lost: the reaper sends it again.
        log.exception(
            "could not queue generation %s: the broker is unreachable; the reaper will send it again",
            generation_id,
        )
