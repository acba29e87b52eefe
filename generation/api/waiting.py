"""Waiting for a generation to finish without holding a thread.

With Redis, each web process keeps one pattern subscription to every
generation's "finished" channel (`generation.lib.events`) and wakes the calls
waiting on that generation. The listener also remembers what finished in the
last few minutes, so a generation that finishes between its submission and
its waiter's registration is not missed; and every EASEL_API_WAIT_RECHECK_S it
asks the database, in one query for all its waiters, which of their
generations have finished, so a lost message (a worker that could not
publish) costs latency, never a hang. One query per process, not one per
waiting call: with 500 calls waiting, per-call re-checks were 100 queries and
thread hops a second.

Without Redis (the embedded default) waiters poll the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict, defaultdict

from django.conf import settings

from generation.api.threads import run_sync, under_asgi_server
from generation.lib import events
from generation.models import Generation

log = logging.getLogger(__name__)

RECENT_MAX = 50_000
RECENT_TTL_S = 600.0


class Listener:
    """One Redis pattern subscription per event loop, fanning out to waiting calls."""

    def __init__(self, url: str):
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url)
        self.waiters: dict[str, set[asyncio.Future]] = defaultdict(set)
        self.recent: OrderedDict[str, float] = OrderedDict()
        self.ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self._run(), name="easel-finished-listener")
        self.recheck_task = loop.create_task(self._recheck(), name="easel-finished-recheck")

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.client.pubsub()
            try:
                await pubsub.psubscribe(events.channel_name("*"))
                async for message in pubsub.listen():
                    if message["type"] == "psubscribe":
                        self.ready.set()
                        backoff = 0.2
                    elif message["type"] == "pmessage":
                        self._finished(events.public_id_from_channel(message["channel"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect; waiters re-check the database meanwhile
                log.warning(
                    "the finished-generations subscription dropped; reconnecting", exc_info=True
                )
            finally:
                self.ready.clear()
                # Messages may have been lost while disconnected: every waiter looks at the database.
                self._wake_all()
                try:
                    await pubsub.aclose()
                except Exception:  # noqa: BLE001, S110
                    pass
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _recheck(self) -> None:
        """Now and then, wake the waiters whose generation finished without a message reaching us."""
        while True:
            await asyncio.sleep(settings.EASEL_API_WAIT_RECHECK_S)
            waiting = list(self.waiters)
            if not waiting:
                continue
            try:
                finished = await run_sync(_finished_among, waiting)
            except Exception:  # noqa: BLE001 - the database may be back next time; waiters have deadlines
                log.warning("could not re-check the waiting generations", exc_info=True)
                continue
            for public_id in finished:
                self._finished(public_id)

    def _finished(self, public_id: str) -> None:
        now = time.monotonic()
        self.recent[public_id] = now
        self.recent.move_to_end(public_id)
        while self.recent and (
            len(self.recent) > RECENT_MAX or next(iter(self.recent.values())) < now - RECENT_TTL_S
        ):
            self.recent.popitem(last=False)
        for future in self.waiters.pop(public_id, ()):
            if not future.done():
                future.set_result(True)

    def _wake_all(self) -> None:
        waiters, self.waiters = self.waiters, defaultdict(set)
        for futures in waiters.values():
            for future in futures:
                if not future.done():
                    future.set_result(False)

    def register(self, public_id: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if public_id in self.recent:
            future.set_result(True)
        else:
            self.waiters[public_id].add(future)
        return future

    def unregister(self, public_id: str, future: asyncio.Future) -> None:
        futures = self.waiters.get(public_id)
        if futures is not None:
            futures.discard(future)
            if not futures:
                del self.waiters[public_id]


_listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Listener] = (
    weakref.WeakKeyDictionary()
)


async def start_listening() -> Listener | None:
    """The subscription of this event loop, once Redis confirmed it; None without Redis.

    Called before a request is submitted, so that its "finished" message cannot
    arrive before anyone listens.
    """
    if not settings.REDIS_URL or not under_asgi_server():
        # Inside async_to_sync (the test client, a sync caller) every call has an event
        # loop of its own, which would leave a subscription behind each time: poll.
        return None
    loop = asyncio.get_running_loop()
    listener = _listeners.get(loop)
    if listener is None or listener.task.done():
        if listener is not None:
            listener.recheck_task.cancel()
        listener = _listeners[loop] = Listener(settings.REDIS_URL)
    try:
        await asyncio.wait_for(listener.ready.wait(), timeout=2.0)
    except TimeoutError:
        log.warning("Redis did not confirm the finished-generations subscription; polling instead")
        return None
    return listener


def _finished_among(public_ids: list[str]) -> list[str]:
    finished = []
    for start in range(0, len(public_ids), 1000):
        finished += Generation.objects.filter(
            public_id__in=public_ids[start : start + 1000],
            status__in=[Generation.Status.SUCCEEDED, Generation.Status.FAILED],
        ).values_list("public_id", flat=True)
    return [str(public_id) for public_id in finished]


def _is_finished(public_id) -> bool:
    return Generation.objects.filter(
        public_id=public_id, status__in=[Generation.Status.SUCCEEDED, Generation.Status.FAILED]
    ).exists()


async def wait_until_finished(public_id, *, timeout: float, listener: Listener | None) -> bool:
    """True once the generation has finished; False when `timeout` seconds passed first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    key = str(public_id)
    if listener is None and await run_sync(_is_finished, public_id):
        return True
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return await run_sync(_is_finished, public_id)
        if listener is not None and listener.ready.is_set():
            # Woken by the message, by the listener's periodic re-check, or (False) by a
            # dropped subscription; the deadline bounds the wait in any case.
            future = listener.register(key)
            try:
                await asyncio.wait_for(asyncio.shield(future), remaining)
            except TimeoutError:
                pass
            finally:
                listener.unregister(key, future)
            if future.done() and future.result() is True:
                return True
        else:
            await asyncio.sleep(min(remaining, settings.EASEL_API_WAIT_POLL_S))
        if await run_sync(_is_finished, public_id):
            return True
