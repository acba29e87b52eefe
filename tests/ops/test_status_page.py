"""/staff/status/: the queue, throughput, failures, workers and health, for staff only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from generation.models import Generation
from generation.services import error_messages
from tests.conftest import SCREENSHOTS, make_user
from webapp.status import human_seconds

URL = "/staff/status/"


@pytest.fixture(autouse=True)
def _fresh_broker_figures():
    cache.delete_many(["easel:metrics:queue-lengths", "easel:metrics:gpu-workers"])


def some_traffic(alice, bob):
    now = timezone.now()

    def make(owner, status, *, ago, waited=None, ran=None, reason=""):
        created = now - timedelta(seconds=ago)
        started = created + timedelta(seconds=waited) if waited is not None else None
        return Generation.objects.create(
            owner=owner,
            prompt="a red circle",
            n=1,
            size=256,
            seed=1,
            status=status,
            created_at=created,
            started_at=started,
            finished_at=started + timedelta(seconds=ran) if ran is not None else None,
            failure_reason=reason,
        )

    make(alice, Generation.Status.QUEUED, ago=125)
    make(bob, Generation.Status.QUEUED, ago=3)
    make(bob, Generation.Status.RUNNING, ago=20, waited=2)
    for i in range(5):
        make(alice, Generation.Status.SUCCEEDED, ago=600 + i * 60, waited=2 + i, ran=10 + i)
    make(
        alice,
        Generation.Status.FAILED,
        ago=300,
        waited=1,
        ran=5,
        reason=error_messages["worker_failed"],
    )
    make(
        bob,
        Generation.Status.FAILED,
        ago=200,
        waited=1,
        ran=5,
        reason=error_messages["worker_failed"],
    )
    make(
        bob,
        Generation.Status.FAILED,
        ago=100,
        waited=1,
        ran=5,
        reason=error_messages["storage_failed"],
    )
    # Two hours ago: not part of the last hour.
    make(
        alice,
        Generation.Status.FAILED,
        ago=7200,
        waited=1,
        ran=5,
        reason=error_messages["timed_out"],
    )


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_user_who_is_not_staff_gets_403(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_staff_see_the_queue_throughput_failures_and_health(client, admin_user, alice, bob):
    some_traffic(alice, bob)
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    ctx = response.context
    assert ctx["queued"] == 2 and ctx["running"] == 1
    assert ctx["oldest_queued"].startswith("2 min")
    assert ctx["succeeded_last_hour"] == 5 and ctx["failed_last_hour"] == 3
    assert ctx["failures_last_hour"] == [("worker_failed", 2), ("storage_failed", 1)]
    # Waits of the last hour: 2..6 s for the succeeded, 1 s for each failed, 2 s running.
    assert ctx["wait"]["n"] == 9
    assert ctx["run"] == {"p50": "12 s", "p95": "14 s", "n": 5}  # 13.8 s, rounded
    assert ctx["checks"]["database"] == "ok"
    assert ctx["gpu_workers"] is not None  # the test broker answered (0 or more workers)
    html = response.content.decode()
    assert "Service status" in html and "worker_failed" in html and "timed_out" not in html
    assert 'href="/metrics"' in html


@pytest.mark.django_db
def test_the_nav_links_the_page_for_staff_only(client, admin_user, alice):
    client.force_login(alice)
    assert URL not in client.get(reverse("generation:studio")).content.decode()
    client.force_login(admin_user)
    assert f'href="{URL}"' in client.get(reverse("generation:studio")).content.decode()


def test_durations_read_as_people_say_them():
    assert human_seconds(1.234) == "1.2 s"
    assert human_seconds(45) == "45 s"
    assert human_seconds(185) == "3 min 5 s"
    assert human_seconds(7800) == "2 h 10 min"


@pytest.mark.browser
def test_the_status_page_in_a_browser(live_server, page):
    admin = make_user("admin@example.com")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    some_traffic(make_user("alice@example.com"), make_user("bob@example.com"))
    page.goto(f"{live_server.url}/accounts/login/?next={URL}")
    page.fill("input[name=username]", "admin@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**{URL}")
    assert page.inner_text("#queued") == "2"
    assert "5 succeeded" in page.inner_text("#throughput")
    assert page.locator("#failures tbody tr").count() == 2
    assert page.locator(".mainnav a[aria-current]").inner_text() == "Status"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ops-status.png"), full_page=True)


def test_staff_see_how_long_each_model_stage_took(client, admin_user, alice):
    from generation.models import GenerationStage

    generation = Generation.objects.create(owner=alice, prompt="a red circle", n=1, size=256, seed=1,
                                           status=Generation.Status.SUCCEEDED)
    for stage, seconds in (("super_res_256", 4.0), ("decoder", 2.0), ("decoder", 3.0), ("prior", 0.5)):
        GenerationStage.objects.create(generation=generation, stage=stage, seconds=seconds)
    GenerationStage.objects.create(generation=generation, stage="prior", seconds=99.0,
                                   created_at=timezone.now() - timedelta(hours=2))  # older than the hour
    client.force_login(admin_user)
    response = client.get(URL)
    stages = response.context["stages"]
    assert [name for name, _ in stages] == ["prior", "decoder", "super_res_256"]
    assert dict(stages)["prior"]["n"] == 1 and dict(stages)["decoder"]["n"] == 2
    assert "super_res_256" in response.content.decode()
