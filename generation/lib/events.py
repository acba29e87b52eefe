"""Tell waiters that a generation finished (succeeded or failed).

API calls wait for their images without holding a thread: they subscribe to
a Redis channel per generation. Without Redis (the embedded default) waiters
poll the database instead, so publishing is a no-op there.
"""

from __future__ import annotations

import logging

from django.conf import settings

log = logging.getLogger(__name__)


def channel_name(public_id) -> str:
    return f"easel:generation:{public_id}:finished"


def publish_finished(public_id, status: str) -> None:
    if not settings.REDIS_URL:
        return
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.publish(channel_name(public_id), status)
    except Exception:  # noqa: BLE001 - waiters fall back to polling; never fail the task for this
        log.warning("could not publish the end of generation %s", public_id, exc_info=True)
