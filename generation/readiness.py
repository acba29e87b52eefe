"""GPU workers load their model once, before their first task, and say so.

A Celery worker that consumes the `gpu` queue loads the model in the process
that runs its tasks (the pool process: CUDA must be initialised after the
fork) as soon as that process starts, so the first request does not pay for
loading. Once loaded, the process announces itself in Redis under
`easel:gpu-ready:<host>:<pid>` (model, device, precision, since when), and
renews that announcement every READY_RENEW_S; the key expires READY_TTL_S
after the process stops renewing it (killed, hung, gone). `/metrics` and the
staff status page count these: workers *ready* (model loaded), beside workers
*online* (answering Celery's ping).

A model that fails to load is logged and not announced; the worker still
takes tasks, and each fails with the load error (refunded), so the failure
is visible to users and operators rather than a silent hang.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)

KEY_PREFIX = "easel:gpu-ready:"
READY_TTL_S = 90
READY_RENEW_S = 30
GPU_QUEUE = "gpu"

_renewer: threading.Thread | None = None
_stop_renewing = threading.Event()


def _redis():
    import redis

    url = settings.REDIS_URL or settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def worker_key() -> str:
    return f"{KEY_PREFIX}{socket.gethostname()}:{os.getpid()}"


def consumes_gpu_queue(app) -> bool:
    """True in a worker started with `-Q` including `gpu` (the queues the worker selected)."""
    try:
        return GPU_QUEUE in app.amqp.queues.consume_from
    except Exception:  # noqa: BLE001 - no worker context: not a GPU worker
        return False


def load_and_announce(load_engine=None) -> dict | None:
    """Load this process's model (once) and announce it; returns what was announced, or None."""
    if load_engine is None:
        from gpu_worker.engine import get_engine as load_engine
    started = time.monotonic()
    try:
        engine = load_engine()
    except Exception:  # noqa: BLE001 - logged; every task will then fail with the load error
        log.exception("the model could not be loaded: this GPU worker is not ready")
        return None
    pipeline = engine.pipeline
    info = {
        "model": engine.model_name,
        "device": str(getattr(pipeline, "device", "")),
        "precision": getattr(pipeline, "precision", ""),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": time.time(),
        "load_s": round(time.monotonic() - started, 3),
    }
    log.info("model %s loaded on %s (%s) in %.1f s: ready", info["model"], info["device"], info["precision"], info["load_s"])
    announce(info)
    _start_renewing(info)
    return info


def announce(info: dict) -> bool:
    try:
        client = _redis()
        if client is None:
            return False
        client.set(worker_key(), json.dumps(info), ex=READY_TTL_S)
        return True
    except Exception as e:  # noqa: BLE001 - Redis away: announced again at the next renewal
        log.warning("could not announce readiness: %s", e)
        return False


def withdraw() -> None:
    """Stop renewing and remove this process's announcement (a stopping worker)."""
    _stop_renewing.set()
    try:
        client = _redis()
        if client is not None:
            client.delete(worker_key())
    except Exception:  # noqa: BLE001 - it expires by itself
        pass


def _start_renewing(info: dict) -> None:
    global _renewer
    if _renewer is not None and _renewer.is_alive() and _renewer.name.endswith(str(os.getpid())):
        return

    _stop_renewing.clear()

    def renew() -> None:
        while not _stop_renewing.wait(READY_RENEW_S):
            announce(info)

    _renewer = threading.Thread(target=renew, name=f"easel-ready-{os.getpid()}", daemon=True)
    _renewer.start()


def ready_workers() -> list[dict]:
    """Every GPU worker process that announced a loaded model and is still renewing it."""
    client = _redis()
    if client is None:
        return []
    workers = []
    for key in client.scan_iter(match=f"{KEY_PREFIX}*", count=100):
        raw = client.get(key)
        if raw:
            try:
                workers.append(json.loads(raw))
            except ValueError:
                continue
    return sorted(workers, key=lambda w: (w.get("host", ""), w.get("pid", 0)))
