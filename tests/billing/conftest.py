"""Billing fixtures: localstripe, its signed webhooks, and a ledger check after every test.

The tests run against the localstripe that `make test` starts (STRIPE_API_BASE)
and PostgreSQL. Under `make test` (EASEL_REQUIRE_SERVICES=true) a missing
service is a failure, never a skip.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection, transaction

REQUIRE = os.environ.get("EASEL_REQUIRE_SERVICES") == "true"
WEBHOOK_SECRET = "whsec_easel_billing_tests"


def _need(condition: bool, what: str) -> None:
    if condition:
        return
    if REQUIRE:
        pytest.fail(f"{what} is required by make test but is not configured")
    pytest.skip(f"{what} is not configured (run make test)")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_user hashes a password; the real hasher costs ~0.3 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _postgres_and_a_clean_ledger_after(request, _fast_password_hashing):
    """Every billing test runs on PostgreSQL, and `check_ledger` must pass when it ends."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    _need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    yield
    if not request.node.get_closest_marker("corrupts_ledger"):
        call_command("check_ledger", stdout=open(os.devnull, "w"))


def pytest_configure(config):
    config.addinivalue_line("markers", "corrupts_ledger: the test breaks the ledger on purpose")


@pytest.fixture
def stripe_settings(settings):
    _need(bool(settings.STRIPE_API_BASE), "localstripe (STRIPE_API_BASE)")
    settings.STRIPE_SECRET_KEY = "sk_test_easel_billing"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_TEST_PAYMENTS = True
    settings.CREDIT_PACKS = [
        {"id": "standard", "credits": 115, "price": __import__("decimal").Decimal("15.00"), "currency": "usd"},
    ]
    return settings


def register_webhook(settings, name: str, url: str) -> None:
    data = urllib.parse.urlencode({"url": url, "secret": WEBHOOK_SECRET}).encode()
    urllib.request.urlopen(
        urllib.request.Request(f"{settings.STRIPE_API_BASE}/_config/webhooks/{name}", data=data, method="POST"),
        timeout=5,
    )


class CapturedWebhooks:
    """What localstripe sent: the exact bytes and Stripe-Signature of each delivery."""

    def __init__(self):
        self.deliveries: list[tuple[bytes, str]] = []
        self.cond = threading.Condition()

    def add(self, body: bytes, signature: str) -> None:
        with self.cond:
            self.deliveries.append((body, signature))
            self.cond.notify_all()

    def wait_for(self, event_type: str, object_id: str, timeout: float = 15.0) -> tuple[bytes, str]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for body, sig in self.deliveries:
                    event = json.loads(body)
                    if event["type"] == event_type and event["data"]["object"].get("id") == object_id:
                        return body, sig
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"localstripe sent no {event_type} for {object_id}")
                self.cond.wait(left)


@pytest.fixture
def stripe_webhooks(stripe_settings):
    """A tiny HTTP server that records localstripe's signed webhooks, registered as an endpoint."""
    captured = CapturedWebhooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            captured.add(body, self.headers.get("Stripe-Signature", ""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    register_webhook(stripe_settings, "billing-tests-capture", f"http://127.0.0.1:{server.server_address[1]}/")
    yield captured
    server.shutdown()
    server.server_close()


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, computed as Stripe computes it (for events localstripe cannot send)."""
    timestamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def spend(user, credits: int):
    """Spend credits the way the studio does: a Generation and its charge in one transaction."""
    from billing.services import charge_generation
    from generation.models import Generation

    with transaction.atomic():
        generation = Generation.objects.create(owner=user, prompt="a red circle", seed=1, credits_cost=credits)
        charge_generation(generation)
    return generation
