"""Shared fixtures: the named users of our tests (alice, bob, an admin) and task modes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from webapp.celery import app as celery_app


@pytest.fixture(autouse=True)
def _private_media_dir(settings, tmp_path_factory):
    """Local-storage tests write their files to a temporary directory, not var/."""
    if settings.EASEL_STORAGE == "local":
        storages = dict(settings.STORAGES)
        storages["default"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("media")), "base_url": "/media/"},
        }
        settings.STORAGES = storages


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made in almost every test; the real hasher costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _ledger_is_consistent_after_every_test(request):
    """Whatever a test did, the ledger's invariants hold when it ends (check_ledger's rules).

    tests/billing runs the full `check_ledger` command itself; tests that break
    the ledger on purpose carry the `corrupts_ledger` marker.
    """
    uses_db = request.node.get_closest_marker("django_db") is not None or "db" in request.fixturenames
    skip = request.node.get_closest_marker("corrupts_ledger") or "/tests/billing/" in str(request.node.fspath)
    if not uses_db or skip:
        yield
        return
    # Depending on the database fixture makes it outlive this check.
    request.getfixturevalue("_django_db_helper")
    yield
    from billing.services import find_ledger_problems

    problems = find_ledger_problems()
    assert not problems, f"the ledger is inconsistent after this test: {problems}"


@pytest.fixture(autouse=True)
def _moderation_lists_are_seeded(request):
    """Tests in committed transactions see the seeded moderation lists, as a deployment does.

    pytest-django empties every table after such a test (a flush), so the lists
    that migration 0002 seeded are gone for the next one; without this, those
    tests checked prompts against empty lists and only the classifier refused
    anything. Tests in a rolled-back transaction keep the migration's rows.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    from moderation.models import PublicFigure, Term
    from moderation.seed import seed_lists
    from moderation.services import bump_lists_version

    if not Term.objects.exists():
        seed_lists(Term, PublicFigure)
        bump_lists_version()
    yield


@pytest.fixture(autouse=True)
def _generous_abuse_limits(settings):
    """The suite signs in and up from 127.0.0.1 many times; the limits have their own tests."""
    settings.LOGIN_RATE_LIMIT = 10_000
    settings.SIGNUP_RATE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def _run_tasks_eagerly(settings):
    """Unit tests run Celery tasks in the test's own thread, after commit.

    The end-to-end tests replace this with a real worker process.
    """
    settings.EASEL_TASKS_INPROCESS = False
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


def make_user(email: str, *, verified: bool = True, credits: int = 50, password: str = "correct horse battery"):
    from accounts.models import User
    from billing.services import grant_signup_credits

    user = User.objects.create_user(email=email, password=password)
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        if credits:
            grant_signup_credits(user)
    return user


@pytest.fixture
def alice(db):
    return make_user("alice@example.com")


@pytest.fixture
def bob(db):
    return make_user("bob@example.com")


@pytest.fixture
def admin_user(db):
    from accounts.models import User

    return User.objects.create_superuser(email="admin@example.com", password="correct horse battery")


# --- Real services shared by every test directory: one Celery worker process,
# one Chromium, the S3 bucket. Session-scoped fixtures must be defined once, here:
# a copy imported into another conftest would start a second instance.
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
REQUIRE = os.environ.get("EASEL_REQUIRE_SERVICES") == "true"


def _need(condition: bool, what: str) -> None:
    if condition:
        return
    if REQUIRE:
        pytest.fail(f"{what} is required by make test but is not configured")
    pytest.skip(f"{what} is not configured (run make test)")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` on the gpu and cpu queues (both halves of a generation), on the test database."""
    _need(bool(settings.CELERY_BROKER_URL), "a Celery broker (CELERY_BROKER_URL)")
    from django.db import connection

    db = dict(settings.DATABASES["default"])
    with django_db_blocker.unblock():
        test_db_name = connection.settings_dict["NAME"]
    _need(db["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")
    user = db["USER"] or "postgres"
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{test_db_name}"
    env["EASEL_TASKS_INPROCESS"] = "false"
    env["PYTHONPATH"] = str(ROOT)
    # Purge what an earlier, interrupted run may have left in the queue.
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "webapp", "purge", "-f", "-Q", "gpu,cpu"],
        env=env, cwd=ROOT, capture_output=True, timeout=60,
    )
    log_path = Path(settings.DATA_DIR) / "e2e-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "webapp", "worker", "-Q", "gpu,cpu", "-c", "1",
         "--pool=solo", "-n", f"e2e-{os.getpid()}@%h", "--loglevel=INFO", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited early; see {log_path}")
        if b"ready." in log_path.read_bytes():
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the Celery worker did not become ready; see {log_path}")
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def real_worker(celery_worker_process, settings):
    """Send tasks through the broker to the worker process instead of running them here."""
    settings.EASEL_TASKS_INPROCESS = False
    celery_app.conf.task_always_eager = False
    yield celery_worker_process


@pytest.fixture(scope="session")
def chromium():
    _need(Path("/usr/bin/chromium").exists(), "Debian's Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which
    # makes Django refuse ORM calls from the test body; they are synchronous
    # test code, not async views, so this is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def s3_client():
    _need(settings.EASEL_STORAGE == "s3", "an S3 server (EASEL_STORAGE=s3)")
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY, region_name=settings.AWS_S3_REGION_NAME,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
