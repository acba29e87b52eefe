"""Requests per key per window, counted in the cache (Redis when REDIS_URL is set).

A fixed window: one counter per key per window, created with the window's
lifetime and incremented atomically, so every web process shares it.
"""

from __future__ import annotations

import math
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


def hit(api_key: ApiKey) -> RateLimit:
    """Count one request for `api_key` and say where it stands."""
    limit = api_key.rate_limit or settings.EASEL_API_RATE_LIMIT
    window = settings.EASEL_API_RATE_WINDOW_S
    now = time.time()
    start = math.floor(now / window) * window
    # The key's hash, not its id: ids restart when a database is recreated; counters must not carry over.
    counter = f"easel:api:ratelimit:{api_key.hashed_key[:24]}:{start}"
    cache.add(counter, 0, timeout=window + 5)
    try:
        count = cache.incr(counter)
    except ValueError:
        # The counter expired between add and incr.
        cache.set(counter, 1, timeout=window + 5)
        count = 1
    return RateLimit(limit=limit, remaining=limit - count, reset_s=start + window - now)
