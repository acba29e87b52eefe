"""Chromium buys a pack through the site: Buy, Pay with Stripe's test Visa, and the signed webhook credits it."""

from pathlib import Path

import pytest
from django.urls import reverse

from billing import services
from billing.models import LedgerEntry, Payment
from tests.billing.conftest import register_webhook
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_alice_buys_115_credits_and_sees_her_balance_rise(live_server, page, stripe_settings):
    register_webhook(stripe_settings, "billing-tests-live", live_server.url + reverse("billing:stripe_webhook"))
    alice = make_user("alice@example.com")
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/billing/buy/")
        page.fill("input[name=username]", "alice@example.com")
        page.fill("input[name=password]", "correct horse battery")
        page.click("#login-form button[type=submit]")
        page.wait_for_url("**/billing/buy/")
        assert page.inner_text(".credits") == "50 credits"

        page.click("#pack-standard button[type=submit]")
        page.wait_for_url("**/billing/pay/*/")
        page.check("input[value=pm_card_visa]")
        page.click("#pay-button")
        # The page waits for Stripe's webhook, then shows the credits.
        page.wait_for_selector("#payment-done")
        assert page.inner_text(".credits") == "165 credits"
        assert "115 credits were added" in page.inner_text("#payment-done")
        assert "115 credits for 15.00 USD" in page.inner_text("h1")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "billing-buy.png"), full_page=True)

        page.goto(f"{live_server.url}/billing/")
        assert "115 of 115" in page.inner_text("#lots")
        page.screenshot(path=str(SCREENSHOTS / "billing-ledger.png"), full_page=True)
    finally:
        register_webhook(stripe_settings, "billing-tests-live", "http://127.0.0.1:9/")

    payment = Payment.objects.get(user=alice)
    assert payment.status == Payment.Status.SUCCEEDED
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.PURCHASE).payment == payment
    assert services.get_balance(alice) == 165
