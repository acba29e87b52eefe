"""What a call costs the web process: no cache connection per call, no database poll per waiting call."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from generation import services
from generation.models import Generation
from tests.api.conftest import fake_runner

pytestmark = pytest.mark.django_db(transaction=True)

GENERATIONS = "/v1/images/generations"


def test_calls_reuse_their_threads_cache_objects(
    live, alice_key, fake_model, settings, monkeypatch
):
    # Django keeps caches per context and thread: under ASGI each call would build a cache
    # object, a connection pool and a Redis connection (for moderation's lists version).
    from django.core.cache.backends.redis import RedisCacheClient

    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the embedded default caches in memory")
    settings.EASEL_API_RATE_LIMIT = 1000
    built = []
    original = RedisCacheClient.__init__

    def counting(self, *args, **kwargs):
        built.append(threading.current_thread().name)
        original(self, *args, **kwargs)

    monkeypatch.setattr(RedisCacheClient, "__init__", counting)
    calls = 40
    for i in range(calls):
        response = requests.post(
            f"{live}{GENERATIONS}",
            json={"prompt": f"a watercolor fox in the snow, study {i}", "size": "256x256"},
            headers={"Authorization": f"Bearer {alice_key}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
    # At most one set per thread of the API's pool, however many calls.
    assert len(built) <= settings.EASEL_API_SYNC_CONCURRENCY, built


def test_a_lost_finished_message_is_caught_by_the_listeners_recheck(
    live, alice_key, settings, monkeypatch
):
    monkeypatch.setattr("generation.dispatch.enqueue", lambda generation_id: None)
    monkeypatch.setattr("generation.lib.events.publish_finished", lambda public_id, status: None)
    settings.EASEL_API_WAIT_RECHECK_S = 0.5
    settings.EASEL_API_WAIT_TIMEOUT_S = 30
    result = {}

    def call():
        result["response"] = requests.post(
            f"{live}{GENERATIONS}",
            json={"prompt": "a red cube", "size": "256x256"},
            headers={"Authorization": f"Bearer {alice_key}"},
            timeout=60,
        )

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 20
    while not Generation.objects.exists():
        assert time.monotonic() < deadline, "the call never reached the database"
        time.sleep(0.05)
    services.process_generation(Generation.objects.get().pk, fake_runner)
    finished_at = time.monotonic()
    caller.join(timeout=45)
    # No message came, yet the call got its image long before its 30 s deadline (at which
    # it would look at the database itself): the listener's re-check (every 0.5 s now,
    # after at most one older 5 s interval) found it.
    assert time.monotonic() - finished_at < 15
    assert result["response"].status_code == 200
    assert len(result["response"].json()["data"]) == 1
