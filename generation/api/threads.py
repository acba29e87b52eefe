"""Running Django's sync code (the ORM, storage) from the API's async views.

Under a real ASGI server, the API's sync work runs on a small pool of threads
of its own (EASEL_API_SYNC_CONCURRENCY), each keeping its database connection
and its cache objects from one request to the next. That bounds the
connections a burst of calls can open, and spares every request the cost of
connecting. (Django keeps cache objects per context and thread: under ASGI
every request would otherwise build its own, with a new connection pool and a
new Redis connection, for the moderation lists' version check alone.)

Django also runs each ASGI request's own sync code (middleware, signals) on a
thread that it keeps until the response is sent (asgiref's
ThreadSensitiveContext). For a call that then waits minutes for a GPU, that is
an idle thread per waiting call; `release_request_thread` lets it end before
the wait, so a waiting call holds a coroutine and a socket, nothing more.

Outside a real server (the test client, sync callers in async_to_sync) the
work runs on the caller's own thread, inside its transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from asgiref.sync import AsyncToSync, SyncToAsync, sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.db import connections

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pool_connections: list = []
_pool_thread = threading.local()


def under_asgi_server() -> bool:
    """True under a real ASGI server; False inside async_to_sync (the test client, sync callers)."""
    if getattr(AsyncToSync.executors, "current", None) is not None:
        return False
    return SyncToAsync.thread_sensitive_context.get(None) is not None


def _api_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.EASEL_API_SYNC_CONCURRENCY, thread_name_prefix="easel-api"
            )
        return _executor


def _keep_or_close(conn) -> None:
    """Django's close_if_unusable_or_obsolete, without the age limit: these threads reuse their connection."""
    if conn.connection is None:
        return
    if conn.in_atomic_block or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
        conn.close()
    elif conn.errors_occurred:
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()


def _use_kept_caches() -> None:
    """Let this request use this pool thread's cache objects instead of building new ones."""
    configured = caches.settings
    kept = getattr(_pool_thread, "caches", None)
    if kept is None or kept[0] is not configured:
        # First use, or the CACHES setting changed (tests): build this thread's set.
        kept = _pool_thread.caches = (
            configured,
            {alias: caches.create_connection(alias) for alias in configured},
        )
    for alias, cache in kept[1].items():
        setattr(caches._connections, alias, cache)  # what `caches[alias]` looks up first


def _in_pool_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    for conn in connections.all(initialized_only=True):
        _keep_or_close(conn)
    _use_kept_caches()
    try:
        return fn(*args, **kwargs)
    finally:
        for conn in connections.all(initialized_only=True):
            _keep_or_close(conn)
            if conn not in _pool_connections:
                _pool_connections.append(conn)


def close_pool_connections() -> None:
    """Close the pool threads' database connections (when a server stops, or before a test database is dropped)."""
    for conn in list(_pool_connections):
        raw = conn.connection
        if raw is not None:
            # The wrapper belongs to its pool thread; the driver's connection may be closed from any thread.
            raw.close()
    _pool_connections.clear()


def _close_connections() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()


def release_request_thread() -> None:
    """Let this request's own thread close its database connections and end, without waiting for it."""
    if not under_asgi_server():
        return
    context = SyncToAsync.thread_sensitive_context.get(None)
    executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    if executor is not None:
        # Queued behind nothing (the request's sync code is done); the thread exits after it.
        executor.submit(_close_connections)
        executor.shutdown(wait=False)


async def run_sync(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run `fn` on the API's thread pool (under ASGI) or on the caller's thread (otherwise)."""
    if not under_asgi_server():
        return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)
    return await sync_to_async(_in_pool_thread, thread_sensitive=False, executor=_api_executor())(
        fn, *args, **kwargs
    )
