"""Redis restarted, SeaweedFS stopped, PostgreSQL connections dropped — for real, mid-request.

Only the cluster's own Redis and SeaweedFS (tests/faults/conftest.py) are
stopped, and only this test database's backends are terminated; the suite's
shared services are never touched. Each test ends with every request settled
exactly once: images stored once and paid, or a clear failure refunded once;
no row left running; the ledger consistent.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from django.db import connection

from accounts.services import create_api_key
from generation import services
from generation.models import Generation
from tests.conftest import make_user
from tests.faults.checks import assert_each_settled_once, assert_ledger_clean, settle
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(users, count, **kwargs) -> list[Generation]:
    return [
        services.submit_generation(
            users[i % len(users)], prompt=f"a blue square {i}", size=256, n=1, **kwargs
        )
        for i in range(count)
    ]


def _when_stage(generation: Generation, stages: set[str], timeout: float = 60) -> None:
    wait_for(
        lambda: Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, progress_stage__in=stages
        ).exists(),
        timeout,
        f"generation {generation.pk} to reach {stages}",
        interval=0.02,
    )


# --- Redis ---------------------------------------------------------------------------


def test_redis_restarted_while_requests_are_queued(cluster):
    users = [make_user("alice@example.com"), make_user("bob@example.com")]
    generations = _submit(users, 6)
    _when_stage(generations[0], {"prior", "decoder", "super_res_256"})
    assert Generation.objects.filter(status=Generation.Status.QUEUED).count() >= 2, (
        "nothing was queued"
    )
    cluster.redis.restart(down_for=1.0)
    settle(generations, timeout=90)
    assert assert_each_settled_once(generations, cluster.s3)[Generation.Status.SUCCEEDED] == 6
    assert_ledger_clean(users)


def test_a_request_made_while_redis_restarts_is_queued_once_it_is_back(cluster):
    alice = make_user("alice@example.com")
    cluster.redis.stop()
    threading.Timer(2.0, cluster.redis.start).start()
    started = time.monotonic()
    [generation] = _submit([alice], 1)  # the publish retries until the broker is back
    assert time.monotonic() - started >= 1.5
    settle([generation], timeout=60)
    assert assert_each_settled_once([generation], cluster.s3)[Generation.Status.SUCCEEDED] == 1
    assert_ledger_clean([alice])


def test_requests_lost_with_redis_data_are_sent_again_by_the_reaper(cluster, settings):
    """Redis killed and restarted empty (no append-only file): the queue is gone, the rows are not."""
    settings.GENERATION_TIMEOUT_S = 8
    users = [make_user("alice@example.com"), make_user("bob@example.com")]
    generations = _submit(users, 5)
    _when_stage(generations[0], {"prior", "decoder", "super_res_256"})
    cluster.redis.restart(down_for=0.5, lose_data=True)
    settle(generations, timeout=90)
    outcomes = assert_each_settled_once(generations, cluster.s3)
    assert outcomes[Generation.Status.SUCCEEDED] == 5, outcomes
    assert_ledger_clean(users)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def api_server(cluster):
    """Easel under uvicorn in a thread of this process, talking to the cluster's Redis."""
    import uvicorn

    from webapp.asgi import application

    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=_free_port(),
        log_level="warning",
        lifespan="off",
        loop="asyncio",
        http="h11",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="faults-api-server")
    thread.start()
    wait_for(lambda: server.started, 20, "the API server")
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join(timeout=10)
    from generation.api.threads import close_pool_connections

    close_pool_connections()


def test_redis_restarted_while_api_calls_wait(cluster, api_server, settings):
    settings.EASEL_API_WAIT_RECHECK_S = 2.0
    alice = make_user("alice@example.com")
    key = create_api_key(alice, name="faults")[1]
    results: list = []

    def call(i):
        results.append(
            requests.post(
                f"{api_server}/v1/images/generations",
                json={"prompt": f"a green cube {i}", "size": "256x256"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=120,
            )
        )

    callers = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for caller in callers:
        caller.start()
    wait_for(lambda: Generation.objects.count() == 4, 30, "four accepted calls")
    cluster.redis.restart(down_for=1.0)  # the waiting calls' subscription and the broker go away
    for caller in callers:
        caller.join(timeout=120)
    assert [r.status_code for r in results] == [200] * 4, [r.text for r in results]
    assert all(len(r.json()["data"]) == 1 for r in results)
    generations = list(Generation.objects.all())
    assert assert_each_settled_once(generations, cluster.s3)[Generation.Status.SUCCEEDED] == 4
    assert_ledger_clean([alice])


# --- SeaweedFS -----------------------------------------------------------------------


def test_seaweedfs_stopped_during_an_upload_and_back_soon(cluster):
    alice = make_user("alice@example.com")
    [generation] = _submit([alice], 1)
    _when_stage(generation, {"storing"})
    cluster.s3.stop()
    time.sleep(1.0)
    cluster.s3.start()  # the upload is retried for a few seconds
    settle([generation], timeout=60)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED, generation.failure_reason
    assert generation.attempts == 1
    assert_each_settled_once([generation], cluster.s3)  # exactly one copy in the bucket
    assert_ledger_clean([alice])


def test_seaweedfs_down_for_good_fails_the_request_clearly_and_refunds_it(cluster):
    alice = make_user("alice@example.com")
    [generation] = _submit([alice], 1)
    _when_stage(generation, {"storing"})
    cluster.s3.stop()
    try:
        settle([generation], timeout=60)
    finally:
        cluster.s3.start()
    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED
    assert generation.failure_reason == services.error_messages["storage_failed"]
    assert_each_settled_once([generation], cluster.s3)
    assert_ledger_clean([alice])


# --- PostgreSQL ----------------------------------------------------------------------


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (250, 200, 0)).save(buf, "PNG")
    return buf.getvalue()


def _terminate_other_backends() -> int:
    """Drop every connection to this test database but this process's own (the workers')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("stage", ["decoder", "storing"])
def test_worker_database_connection_dropped_mid_request(cluster, stage):
    alice = make_user("alice@example.com")
    generations = _submit([alice], 2)
    _when_stage(generations[0], {stage})
    assert _terminate_other_backends() >= 1
    settle(generations, timeout=60)
    outcomes = assert_each_settled_once(generations, cluster.s3)
    assert outcomes[Generation.Status.SUCCEEDED] == 2, outcomes
    # The worker reconnected and carried on: no second claim was needed.
    assert Generation.objects.get(pk=generations[0].pk).attempts == 1
    assert_ledger_clean([alice])


def test_database_connection_dropped_while_accepting_a_request(cluster):
    """The web's connection dies mid-submit: an error, nothing charged, nothing queued, nothing stored."""
    from django.db import OperationalError

    alice = make_user("alice@example.com")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    import psycopg

    killer = psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"] or "postgres",
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    )
    from billing import services as billing

    real_charge = billing.charge_generation

    def charge_then_lose_the_connection(generation):
        real_charge(generation)
        killer.execute("SELECT pg_terminate_backend(%s)", [own_pid])

    from unittest import mock

    with mock.patch.object(billing, "charge_generation", charge_then_lose_the_connection):
        with pytest.raises(OperationalError):
            services.submit_generation(
                alice, mode=Generation.Mode.VARIATION, image=_png(), size=256, n=1
            )
    killer.close()
    connection.close()
    assert not Generation.objects.exists()
    assert_ledger_clean([alice])
    # The uploaded input was removed again when the transaction did not commit.
    assert not cluster.s3.keys(f"inputs/{alice.pk}/")
