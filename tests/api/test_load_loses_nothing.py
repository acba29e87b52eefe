"""The load path of scripts/bench_load.py at a small scale, as a test (not a timing one).

Fifty calls from ten users, all at once, through the real ASGI server, with two
worker threads beside it that fail one generation in five: afterwards every
call is one generation charged exactly once that has its image or was refunded,
and every call had its answer.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import zlib

import pytest
from django.db import close_old_connections

from accounts.services import create_api_key
from generation import services
from gpu_worker.errors import GenerationError
from scripts import bench_load
from scripts.bench_api import Prompts
from tests.api.conftest import fake_runner
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _fails(prompt: str) -> bool:
    return zlib.crc32(prompt.encode()) % 5 == 0


def _runner(request, progress=None):
    if _fails(request.prompt):
        raise GenerationError("the stand-in model fails on this prompt")
    return fake_runner(request, progress)


@pytest.fixture
def workers(monkeypatch):
    """Two worker threads fed by what the API queues (in place of Celery and a GPU worker)."""
    jobs: queue.Queue = queue.Queue()
    monkeypatch.setattr("generation.dispatch.enqueue", jobs.put)

    def work():
        while (generation_id := jobs.get()) is not None:
            try:
                services.process_generation(generation_id, _runner)
            finally:
                close_old_connections()

    threads = [
        threading.Thread(target=work, name=f"load-worker-{i}", daemon=True) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    yield
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(timeout=30)


def test_fifty_calls_from_ten_users_lose_nothing_and_charge_once(live, workers, settings):
    settings.EASEL_API_RATE_LIMIT = 1000
    emails = [f"load{i}@example.com" for i in range(10)]
    keys = [create_api_key(make_user(email), name="load")[1] for email in emails]
    prompts = Prompts(seed=3)
    per_user = [prompts.take(5) for _ in keys]
    failing = {p for ps in per_user for p in ps if _fails(p)}
    assert 0 < len(failing) < 50  # both outcomes are exercised

    calls = asyncio.run(bench_load.drive(live, keys, per_user, burst=True, timeout_s=120))

    assert len(calls) == 50
    assert {c.status for c in calls if c.prompt in failing} == {500}
    assert {c.status for c in calls if c.prompt not in failing} == {200}
    problems, counts = bench_load.verify(emails, calls)
    assert problems == []
    assert counts["generations"] == 50
    assert counts["by_status"] == {"succeeded": 50 - len(failing), "failed": len(failing)}


def test_the_check_reports_a_lost_call_and_a_duplicate(alice, fake_model):
    prompt = "a watercolor fox in the snow"
    for _ in range(2):  # the same call recorded twice: one too many
        services.submit_generation(alice, prompt=prompt, size=256, n=1, source="api")
    calls = [
        bench_load.Call(0, prompt, 200, 0.0, 1.0),
        bench_load.Call(0, "an owl at dawn", 200, 0.0, 1.0),  # never reached the database
    ]
    problems, _ = bench_load.verify([alice.email], calls)
    assert any("1 call(s) have no generation" in p for p in problems), problems
    assert any("1 generation(s) more than calls" in p for p in problems), problems
