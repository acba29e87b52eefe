"""Requests per key per window, counted in Redis (in the cache without Redis).

A fixed window: one counter per key per window, incremented atomically and
given the window's lifetime, so every web process shares it. With Redis this
is one round trip (INCR and EXPIRE NX in a pipeline) on a client that the
process keeps: going through Django's cache would, under ASGI, build a cache
object and open a Redis connection for every request (its connections are
per context and thread).
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.models import ApiKey


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset_s: float

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.limit),
            "x-ratelimit-remaining-requests": str(max(self.remaining, 0)),
            "x-ratelimit-reset-requests": _duration(self.reset_s),
        }

    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.reset_s)))


def _duration(seconds: float) -> str:
    """OpenAI's format for reset times: "20ms", "1.5s", "6m0s"."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return f"{int(minutes)}m{int(rest)}s"
    return f"{rest:.1f}".rstrip("0").rstrip(".") + "s"


_client = None
_client_url = ""
_client_lock = threading.Lock()


def _redis_location() -> str | None:
    """Redis's URL when the default cache is Redis (it follows settings overrides), else None."""
    default = settings.CACHES.get("default", {})
    if default.get("BACKEND") != "django.core.cache.backends.redis.RedisCache":
        return None
    location = default.get("LOCATION")
    # Like Django's RedisCache: several servers, the first one takes the writes.
    servers = location if isinstance(location, list | tuple) else re.split("[;,]", location)
    return servers[0]


def _redis(url: str):
    global _client, _client_url
    with _client_lock:
        if _client is None or _client_url != url:
            import redis

            _client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            _client_url = url
        return _client


def _count(counter: str, window: int) -> int:
    url = _redis_location()
    if url is None:
        cache.add(counter, 0, timeout=window + 5)
        try:
            return cache.incr(counter)
        except ValueError:
            # The counter expired between add and incr.
            cache.set(counter, 1, timeout=window + 5)
            return 1
    pipe = _redis(url).pipeline(transaction=False)
    pipe.incr(counter)
    pipe.expire(counter, window + 5, nx=True)
    count, _ = pipe.execute()
    return int(count)


def hit(api_key: ApiKey) -> RateLimit:
    """Count one request for `api_key` and say where it stands."""
    limit = api_key.rate_limit or settings.EASEL_API_RATE_LIMIT
    window = settings.EASEL_API_RATE_WINDOW_S
    now = time.time()
    start = math.floor(now / window) * window
    # The key's hash, not its id: ids restart when a database is recreated; counters must not carry over.
    counter = f"easel:api:ratelimit:{api_key.hashed_key[:24]}:{start}"
    count = _count(counter, window)
    return RateLimit(limit=limit, remaining=limit - count, reset_s=start + window - now)
