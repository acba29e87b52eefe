"""Shared fixtures: the named users of our tests (alice, bob, an admin) and task modes."""

from __future__ import annotations

import pytest
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
