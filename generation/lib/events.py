"""Tell waiters that a generation finished (succeeded or failed).

API calls wait for their images without holding a thread: each web process
keeps one Redis pattern subscription to these channels
(`generation.api.waiting`). Without Redis (the embedded default) waiters poll
the database instead, so publishing is a no-op there.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

log = logging.getLogger(__name__)

_PREFIX = "easel:generation:"
_SUFFIX = ":finished"

_client = None
_client_url = ""
_client_lock = threading.Lock()


def channel_name(public_id) -> str:
    return f"{_PREFIX}{public_id}{_SUFFIX}"


def public_id_from_channel(channel: bytes | str) -> str:
    if isinstance(channel, bytes):
        channel = channel.decode()
    return channel[len(_PREFIX) : -len(_SUFFIX)]


def _redis():
    # One client (a thread-safe connection pool) per process instead of a new
    # connection for every finished generation.
    global _client, _client_url
    with _client_lock:
        if _client is None or _client_url != settings.REDIS_URL:
            import redis

            _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
            _client_url = settings.REDIS_URL
        return _client


def publish_finished(public_id, status: str) -> None:
    if not settings.REDIS_URL:
        return
    try:
        _redis().publish(channel_name(public_id), status)
    except Exception:  # noqa: BLE001 - waiters re-check the database; never fail the task for this
        log.warning("could not publish the end of generation %s", public_id, exc_info=True)
