"""Running Django's sync code (the ORM, storage) from the API's async views.

Django runs an ASGI request's sync code on a thread of its own and keeps that
thread until the response is sent (asgiref's ThreadSensitiveContext). For a
call that then waits minutes for a GPU, that is an idle thread per waiting
call. `run_sync` gives the thread back after each piece of sync work, so a
waiting call holds a coroutine and a socket, nothing more; the next piece of
sync work gets a fresh thread.

It also bounds how many requests run sync code at once, so that a burst of
hundreds of calls cannot open hundreds of database connections.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import AsyncToSync, SyncToAsync, sync_to_async
from django.conf import settings
from django.db import connections

T = TypeVar("T")

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _semaphore() -> asyncio.Semaphore:
    # One per event loop: the test client runs each request in a loop of its own.
    loop = asyncio.get_running_loop()
    semaphore = _slots.get(loop)
    if semaphore is None:
        semaphore = _slots[loop] = asyncio.Semaphore(settings.EASEL_API_SYNC_CONCURRENCY)
    return semaphore


def under_asgi_server() -> bool:
    """True under a real ASGI server; False inside async_to_sync (the test client, sync callers).

    Inside async_to_sync the sync code runs on the caller's own thread (and, in
    tests, inside its database transaction), which must be left alone.
    """
    if getattr(AsyncToSync.executors, "current", None) is not None:
        return False
    return SyncToAsync.thread_sensitive_context.get(None) is not None


def _close_connections() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()


async def release_request_thread() -> None:
    """Close this request's database connections and let its thread end."""
    if not under_asgi_server():
        return
    context = SyncToAsync.thread_sensitive_context.get(None)
    if context not in SyncToAsync.context_to_thread_executor:
        return
    await sync_to_async(_close_connections, thread_sensitive=True)()
    executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    if executor is not None:
        executor.shutdown(wait=False)


async def run_sync(fn: Callable[..., T], *args, release: bool = True, **kwargs) -> T:
    """Run `fn` on this request's thread, then (with `release`) give the thread back."""
    async with _semaphore():
        try:
            return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)
        finally:
            if release:
                await release_request_thread()
