"""/metrics: Prometheus figures read from the database and the broker, for staff and the scraper only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from billing.services import charge_generation, refund_generation
from generation.models import Generation
from generation.services import error_messages
from moderation.models import Flag
from webapp.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_broker_figures():
    """The broker figures are cached for a few seconds; each test starts without them."""
    keys = ["easel:metrics:queue-lengths", "easel:metrics:gpu-workers", "easel:metrics:gpu-ready"]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def fail(generation, code):
    """What a worker's failure records: the user-facing message, and the refund."""
    Generation.objects.filter(pk=generation.pk).update(
        status=Generation.Status.FAILED,
        failure_reason=error_messages[code],
        finished_at=timezone.now(),
    )
    refund_generation(generation, reason=f"Refund: {code}")


def make_generation(user, status, *, waited=None, ran=None, mode=Generation.Mode.GENERATE, ago=60):
    created = timezone.now() - timedelta(seconds=ago)
    started = created + timedelta(seconds=waited) if waited is not None else None
    finished = started + timedelta(seconds=ran) if ran is not None else None
    return Generation.objects.create(
        owner=user,
        prompt="a red circle",
        n=1,
        size=256,
        seed=1,
        mode=mode,
        status=status,
        created_at=created,
        started_at=started,
        finished_at=finished,
    )


# --- Who may read them ---------------------------------------------------------------


def test_an_anonymous_request_gets_401_and_no_figures(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"easel_" not in response.content


def test_a_signed_in_user_who_is_not_staff_gets_403(client, alice):
    client.force_login(alice)
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"easel_" not in response.content


def test_a_wrong_bearer_token_gets_403(client, settings):
    settings.METRICS_TOKEN = "the-right-token-" + "x" * 30
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer the-wrong-token")
    assert response.status_code == 403
    assert b"easel_" not in response.content


def test_no_token_is_accepted_while_none_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


def test_the_scraper_reads_them_with_the_configured_token(client, settings):
    settings.METRICS_TOKEN = "scraper-token-" + "y" * 30
    samples = scrape(client, HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert ("easel_generations_in_progress", (("status", "queued"),)) in samples


def test_staff_read_them_with_their_session(client, admin_user):
    client.force_login(admin_user)
    scrape(client)


def test_it_refuses_post(client, admin_user):
    client.force_login(admin_user)
    assert client.post("/metrics").status_code == 405


# --- What they say -------------------------------------------------------------------


def test_queue_depth_wait_and_run_times_failures_credits_and_flags(client, admin_user, alice, bob):
    make_generation(alice, Generation.Status.QUEUED, ago=90)
    make_generation(bob, Generation.Status.QUEUED, ago=5)
    make_generation(alice, Generation.Status.RUNNING, waited=3)
    # Three succeeded: waits 0.2 s, 3 s and 40 s; runs 4 s, 8 s and 150 s.
    for waited, ran in ((0.2, 4), (3, 8), (40, 150)):
        make_generation(alice, Generation.Status.SUCCEEDED, waited=waited, ran=ran, ago=400)
    make_generation(
        bob, Generation.Status.SUCCEEDED, waited=1, ran=2, mode=Generation.Mode.VARIATION
    )
    # Three charged and then failed (and refunded) for two different reasons.
    for code in ("worker_failed", "worker_failed", "timed_out"):
        g = make_generation(alice, Generation.Status.RUNNING, waited=1)
        charge_generation(g)
        fail(g, code)
    # One more charged request that is still running.
    charge_generation(make_generation(bob, Generation.Status.RUNNING, waited=2))
    Flag.objects.create(user=alice, target=Flag.Target.PROMPT, category="violence", text="x")
    Flag.objects.create(
        user=bob, target=Flag.Target.REPORT, kind=Flag.Kind.REPORT, category="other"
    )
    Flag.objects.create(
        user=bob, target=Flag.Target.PROMPT, category="x", status=Flag.Status.APPROVED
    )

    client.force_login(admin_user)
    s = scrape(client)

    assert value(s, "easel_generations_in_progress", status="queued") == 2
    assert value(s, "easel_generations_in_progress", status="running") == 2
    assert value(s, "easel_generations_finished_total", status="succeeded") == 4
    assert value(s, "easel_generations_finished_total", status="failed") == 3
    assert 89 <= value(s, "easel_oldest_queued_seconds") < 120

    assert value(s, "easel_generation_failures_total", reason="worker_failed") == 2
    assert value(s, "easel_generation_failures_total", reason="timed_out") == 1

    # Every claimed generation has a wait: 3 (running), 0.2, 3, 40 (succeeded), 1, 1, 1 (failed), 2.
    assert value(s, "easel_generation_wait_seconds_count", mode="generate") == 8
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="0.5") == 1
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="2.5") == 5
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="5.0") == 7
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="30.0") == 7
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="60.0") == 8
    assert value(s, "easel_generation_wait_seconds_bucket", mode="generate", le="+Inf") == 8
    assert value(s, "easel_generation_wait_seconds_sum", mode="generate") == pytest.approx(51.2)
    assert value(s, "easel_generation_wait_seconds_count", mode="variation") == 1
    # Run times count only succeeded generations.
    assert value(s, "easel_generation_run_seconds_count", mode="generate") == 3
    assert value(s, "easel_generation_run_seconds_bucket", mode="generate", le="5.0") == 1
    assert value(s, "easel_generation_run_seconds_bucket", mode="generate", le="10.0") == 2
    assert value(s, "easel_generation_run_seconds_bucket", mode="generate", le="120.0") == 2
    assert value(s, "easel_generation_run_seconds_bucket", mode="generate", le="300.0") == 3
    assert value(s, "easel_generation_run_seconds_sum", mode="generate") == pytest.approx(162)
    assert value(s, "easel_generation_run_seconds_count", mode="variation") == 1

    assert value(s, "easel_credits_spent_total") == 4
    assert value(s, "easel_credits_refunded_total") == 3
    assert value(s, "easel_moderation_flags_open", target="prompt") == 1
    assert value(s, "easel_moderation_flags_open", target="report") == 1
    assert value(s, "easel_moderation_flags_open", target="upload") == 0


def test_redeliveries_are_counted(client, admin_user, alice):
    make_generation(alice, Generation.Status.SUCCEEDED, waited=1, ran=1)
    redelivered = make_generation(alice, Generation.Status.SUCCEEDED, waited=1, ran=1)
    Generation.objects.filter(pk=redelivered.pk).update(attempts=3)
    Generation.objects.exclude(pk=redelivered.pk).update(attempts=1)
    client.force_login(admin_user)
    assert value(scrape(client), "easel_generation_extra_claims_total") == 2


def test_an_unknown_failure_message_counts_as_other(client, admin_user, alice):
    g = make_generation(alice, Generation.Status.FAILED, waited=1, ran=1)
    Generation.objects.filter(pk=g.pk).update(failure_reason="a message from an older version")
    client.force_login(admin_user)
    assert value(scrape(client), "easel_generation_failures_total", reason="other") == 1


def test_broker_queue_lengths_are_read_from_redis(client, admin_user, settings):
    queue = f"ops-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_ROUTES = {
        **settings.CELERY_TASK_ROUTES,
        "ops.test.nothing": {"queue": queue},
    }
    celery_app.conf.task_always_eager = False
    try:
        for _ in range(3):
            celery_app.send_task("ops.test.nothing", queue=queue)
        client.force_login(admin_user)
        s = scrape(client)
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    assert value(s, "easel_broker_up") == 1
    assert value(s, "easel_queue_messages", queue=queue) == 3
    # A queue nobody has used yet (Redis keeps no key for it) is empty, not an error.
    assert ("easel_queue_messages", (("queue", "gpu"),)) in s


def test_the_broker_being_down_is_reported_not_raised(client, admin_user, monkeypatch):
    # The suite's Redis is shared, so the broker "goes down" by being looked for
    # where nothing listens (port 1): a real refused connection, not a mock.
    dead = "redis://127.0.0.1:1/0"
    real_read, real_write = celery_app.connection_for_read, celery_app.connection_for_write
    monkeypatch.setattr(
        celery_app, "connection_for_read", lambda url=None, **kw: real_read(dead, **kw)
    )
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda url=None, **kw: real_write(dead, **kw)
    )
    client.force_login(admin_user)
    s = scrape(client)
    assert value(s, "easel_broker_up") == 0
    assert ("easel_gpu_workers", ()) not in s
    # The failure is cached briefly too: a scraper retrying does not pile up on a dead broker.
    assert cache.get("easel:metrics:queue-lengths") == {"value": None}


def test_in_process_tasks_have_no_broker_figures(client, admin_user, settings):
    settings.EASEL_TASKS_INPROCESS = True
    client.force_login(admin_user)
    s = scrape(client)
    assert value(s, "easel_tasks_inprocess") == 1
    assert ("easel_broker_up", ()) not in s


@pytest.mark.e2e
def test_live_gpu_workers_are_counted(celery_worker_process, client, admin_user):
    client.force_login(admin_user)
    assert value(scrape(client), "easel_gpu_workers") == 1
    # The figure is cached briefly so that a scrape does not wait on the broker each time.
    assert cache.get("easel:metrics:gpu-workers") == {"value": 1}


@pytest.mark.e2e
def test_a_gpu_worker_loads_its_model_before_its_first_task_and_says_so(celery_worker_process, client, admin_user):
    import time

    from generation import readiness

    # The worker announces itself once its model is loaded, just after Celery's "ready.".
    deadline = time.monotonic() + 60
    while not readiness.ready_workers() and time.monotonic() < deadline:
        time.sleep(0.5)
    (worker,) = readiness.ready_workers()
    assert worker["model"] == "easel-tiny-random" and worker["pid"] == celery_worker_process.pid
    client.force_login(admin_user)
    assert value(scrape(client), "easel_gpu_workers_ready") == 1


def test_a_model_that_fails_to_load_is_not_announced(settings):
    from generation import readiness

    def broken():
        raise RuntimeError("no such weights")

    assert readiness.load_and_announce(broken) is None
    assert not any(w.get("pid") == __import__("os").getpid() for w in readiness.ready_workers())


def test_a_process_that_stops_withdraws_its_announcement():
    import os
    from types import SimpleNamespace

    from generation import readiness

    engine = SimpleNamespace(model_name="m", pipeline=SimpleNamespace(device="cpu", precision="fp32"))
    info = readiness.load_and_announce(lambda: engine)
    try:
        assert info["model"] == "m"
        assert any(w["pid"] == os.getpid() for w in readiness.ready_workers())
    finally:
        readiness.withdraw()
    assert not any(w["pid"] == os.getpid() for w in readiness.ready_workers())


def test_stage_times_are_a_histogram_per_stage(client, admin_user, alice):
    from generation.models import GenerationStage

    generation = make_generation(alice, Generation.Status.SUCCEEDED, waited=1, ran=10)
    for stage, seconds in (("prior", 0.2), ("decoder", 3.0), ("decoder", 7.0), ("super_res_256", 40.0)):
        GenerationStage.objects.create(generation=generation, stage=stage, seconds=seconds)
    client.force_login(admin_user)
    s = scrape(client)
    assert value(s, "easel_generation_stage_seconds_count", stage="decoder") == 2
    assert value(s, "easel_generation_stage_seconds_sum", stage="decoder") == 10.0
    assert value(s, "easel_generation_stage_seconds_bucket", stage="decoder", le="5.0") == 1
    assert value(s, "easel_generation_stage_seconds_bucket", stage="prior", le="0.25") == 1
    assert value(s, "easel_generation_stage_seconds_bucket", stage="super_res_256", le="30.0") == 0
