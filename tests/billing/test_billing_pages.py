"""The balance with its lots in the header and on the billing page; the Buy and Pay pages."""

import pytest
from django.urls import reverse

from billing import services
from billing.models import Payment
from tests.billing.conftest import spend

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_balance_and_when_credits_expire(client, alice):
    client.force_login(alice)
    body = client.get(reverse("billing:overview")).content.decode()
    lot = services.lot_balances(alice)[0].lot
    assert "50 credits" in body
    assert f"50 until {lot.expires_at:%-d %b %Y}" in body
    assert reverse("billing:buy") in body


def test_the_billing_page_lists_lots_and_the_ledger(client, alice):
    spend(alice, 2)
    client.force_login(alice)
    body = client.get(reverse("billing:overview")).content.decode()
    assert "48 of 50" in body
    assert "Free credits for the first month" in body and "+50" in body and "-2" in body


def test_pages_need_a_signed_in_user(client):
    for name in ("billing:overview", "billing:buy"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_overview_refuses_post(client, alice):
    client.force_login(alice)
    assert client.post(reverse("billing:overview")).status_code == 405


def test_the_buy_page_lists_the_configured_packs(client, alice, stripe_settings):
    client.force_login(alice)
    body = client.get(reverse("billing:buy")).content.decode()
    assert "Buy 115 credits for 15.00 USD" in body


def test_someone_elses_payment_is_a_404(client, alice, bob, stripe_settings):
    payment = Payment.objects.create(user=alice, pack_id="standard", credits=115, amount_cents=1500,
                                     currency="usd", idempotency_key="k")
    client.force_login(bob)
    assert client.get(reverse("billing:pay", args=[payment.public_id])).status_code == 404
    assert client.post(reverse("billing:pay", args=[payment.public_id]), {"payment_method": "pm_card_visa"}).status_code == 404
    assert client.get(reverse("billing:payment_status", args=[payment.public_id])).status_code == 404


def test_an_unverified_user_cannot_buy(client, stripe_settings):
    from tests.conftest import make_user

    dan = make_user("dan@example.com", verified=False)
    client.force_login(dan)
    response = client.post(reverse("billing:buy"), {"pack": "standard", "token": "t"})
    assert services.error_messages["verify_first"] in response.content.decode()
    assert not Payment.objects.exists()


def test_test_payments_are_refused_when_disabled(alice, stripe_settings):
    stripe_settings.STRIPE_TEST_PAYMENTS = False
    payment = services.start_purchase(alice, "standard")
    with pytest.raises(services.BillingError) as e:
        services.pay_with_test_method(payment, "pm_card_visa")
    assert e.value.code == "test_payments_disabled"
    assert Payment.objects.get().status == Payment.Status.CREATED
