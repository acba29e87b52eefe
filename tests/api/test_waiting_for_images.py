"""A call waits for its images without a thread of its own; it times out cleanly (refunded);
a client that hangs up does not stop its generation."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import pytest
import requests
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from billing.services import get_balance
from generation import services
from generation.models import Generation
from tests.api.conftest import fake_runner

pytestmark = pytest.mark.django_db(transaction=True)

GENERATIONS = "/v1/images/generations"


@pytest.fixture
def held(monkeypatch):
    """Queue nothing: generations stay QUEUED until the test finishes them itself."""
    monkeypatch.setattr("generation.dispatch.enqueue", lambda generation_id: None)


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_every_middleware_can_run_async_so_no_request_pins_a_thread():
    # One sync-only middleware makes Django run everything inside it on a blocked thread.
    for path in django_settings.MIDDLEWARE:
        middleware = import_string(path)
        assert getattr(middleware, "async_capable", False), path


def test_a_call_that_waits_too_long_fails_cleanly_and_is_refunded(live, alice, alice_key, held, settings):
    settings.EASEL_API_WAIT_TIMEOUT_S = 1.0
    started = time.monotonic()
    response = requests.post(
        f"{live}{GENERATIONS}", json={"prompt": "a red cube"}, headers={"Authorization": f"Bearer {alice_key}"}, timeout=30
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "timeout"
    generation = Generation.objects.get()
    assert generation.status == Generation.Status.FAILED
    assert get_balance(alice) == 50
    # A worker that gets to it afterwards does not resurrect it.
    assert services.process_generation(generation.pk, fake_runner) == "skipped"


def test_a_client_that_hangs_up_still_gets_its_images_in_history(live, alice, alice_key, held):
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{live}{GENERATIONS}", json={"prompt": "a red cube", "size": "256x256"},
            headers={"Authorization": f"Bearer {alice_key}"}, timeout=1.0,
        )
    # On a loaded machine the server may still be checking the prompt when the
    # client gives up: the row comes when it comes, the client's leaving stops nothing.
    _wait_for(lambda: Generation.objects.exists())
    generation = Generation.objects.get()
    time.sleep(0.5)
    assert services.process_generation(generation.pk, fake_runner) == Generation.Status.SUCCEEDED
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.images.count() == 1
    assert get_balance(alice) == 49


def test_the_worker_finishing_wakes_the_waiting_call(live, alice_key, held, settings):
    # The database re-check is pushed far out, so only the "finished" message can
    # answer the call in time; the bound below is generous (the machine is shared).
    settings.EASEL_API_WAIT_RECHECK_S = 60.0
    result = {}

    def call():
        result["response"] = requests.post(
            f"{live}{GENERATIONS}", json={"prompt": "a red cube", "size": "256x256", "n": 2},
            headers={"Authorization": f"Bearer {alice_key}"}, timeout=30,
        )

    caller = threading.Thread(target=call)
    caller.start()
    _wait_for(lambda: Generation.objects.exists())
    time.sleep(0.3)
    finished_at = time.monotonic()
    services.process_generation(Generation.objects.get().pk, fake_runner)
    caller.join(timeout=30)
    # Woken by the message, long before the database re-check would have come.
    assert not caller.is_alive()
    assert time.monotonic() - finished_at < 20.0
    assert len(result["response"].json()["data"]) == 2


def test_thirty_waiting_calls_hold_no_thread_each(live, alice, alice_key, held, settings):
    settings.EASEL_API_RATE_LIMIT = 1000
    calls = 30
    statuses: list[int] = []

    async def one(session):
        async with session.post(f"{live}{GENERATIONS}", json={"prompt": "a red cube", "size": "256x256"}) as r:
            await r.read()
            statuses.append(r.status)

    async def all_calls():
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {alice_key}"}) as session:
            await asyncio.gather(*(one(session) for _ in range(calls)))

    def other_threads() -> int:
        # The API's own pool (easel-api-*) is bounded by EASEL_API_SYNC_CONCURRENCY, however many wait.
        return sum(1 for t in threading.enumerate() if not t.name.startswith("easel-api"))

    before = other_threads()
    load = threading.Thread(target=asyncio.run, args=(all_calls(),))
    load.start()
    _wait_for(lambda: Generation.objects.count() == calls)
    time.sleep(1.0)
    waiting_threads = other_threads() - before - 1  # the load thread itself
    assert waiting_threads < 5, f"{waiting_threads} threads for {calls} waiting calls"
    pool = [t for t in threading.enumerate() if t.name.startswith("easel-api")]
    assert len(pool) <= settings.EASEL_API_SYNC_CONCURRENCY

    for generation in Generation.objects.all():
        services.process_generation(generation.pk, fake_runner)
    load.join(timeout=60)
    assert statuses == [200] * calls
