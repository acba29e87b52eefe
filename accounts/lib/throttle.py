"""Fixed-window attempt counters in the cache, for sign-in, sign-up and password resets.

The cache is Redis in production (shared by every web process) and local
memory in the embedded default. A counter key names the action and the
client (address, and e-mail where there is one), so one attacker cannot lock
out everyone and one address cannot be guessed at from many.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_s: int


def client_address(request) -> str:
    # Behind the proxy of docker/ the address is the proxy's; the proxy sets
    # X-Forwarded-For, whose last hop is the one it saw.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(action: str, subject: str, window_s: int) -> str:
    bucket = int(time.time() // window_s)
    digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
    return f"throttle:{action}:{digest}:{bucket}"


def hit(action: str, subject: str, limit: Limit) -> bool:
    """Count one attempt; True while the subject is still within its limit."""
    key = _key(action, subject, limit.window_s)
    cache.add(key, 0, timeout=limit.window_s + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the window's first attempt.
        cache.set(key, 1, timeout=limit.window_s + 5)
        count = 1
    return count <= limit.attempts


def seconds_left(limit: Limit) -> int:
    return int(limit.window_s - (time.time() % limit.window_s)) + 1
