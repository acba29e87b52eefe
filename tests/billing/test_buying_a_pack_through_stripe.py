"""Buying a pack: a PaymentIntent on localstripe, paid with a test card, credited by the signed webhook."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.lib import stripe_gateway
from billing.models import CreditLot, LedgerEntry, Payment
from tests.billing.conftest import register_webhook
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def webhook_to_live_server(live_server, stripe_settings):
    register_webhook(stripe_settings, "billing-tests-live", live_server.url + reverse("billing:stripe_webhook"))
    yield live_server
    # Later tests' events must not be sent to a server that is gone.
    register_webhook(stripe_settings, "billing-tests-live", "http://127.0.0.1:9/")


def test_paying_with_a_test_card_grants_the_pack_through_the_real_webhook(webhook_to_live_server):
    alice = make_user("alice@example.com")
    payment = services.start_purchase(alice, "standard", idempotency_key="buy-1")
    assert payment.stripe_payment_intent_id.startswith("pi_")
    intent = stripe_gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert intent["amount"] == 1500 and intent["currency"] == "usd"
    assert intent["metadata"] == {
        "easel_user": str(alice.pk), "easel_pack": "standard", "easel_payment": str(payment.public_id),
    }
    assert services.get_balance(alice) == 50  # nothing before Stripe says it was paid

    services.pay_with_test_method(payment, "pm_card_visa")
    assert _wait_for(lambda: services.get_balance(alice) == 165)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at
    entry = LedgerEntry.objects.get(user=alice, kind=LedgerEntry.Kind.PURCHASE)
    assert entry.amount == 115 and entry.payment == payment
    assert entry.idempotency_key == f"purchase:{payment.pk}"
    lot = CreditLot.objects.get(payment=payment)
    assert abs(lot.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(days=2)
    # The free credits expire first, so they are spent first.
    assert [b.lot.source for b in services.lot_balances(alice)] == ["signup_grant", "purchase"]


def test_a_declined_card_fails_the_payment_and_grants_nothing(webhook_to_live_server):
    alice = make_user("alice@example.com")
    payment = services.start_purchase(alice, "standard")
    with pytest.raises(services.BillingError) as e:
        services.pay_with_test_method(payment, "pm_card_chargeCustomerFail")
    assert e.value.code == "card_declined"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "declined" in payment.failure_message
    time.sleep(1.5)  # localstripe's payment_failed webhook arrives and changes nothing more
    assert services.get_balance(alice) == 50
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE).exists()
    with pytest.raises(services.BillingError) as e:
        services.pay_with_test_method(payment, "pm_card_visa")
    assert e.value.code == "payment_not_payable"


def test_a_client_retry_with_the_same_idempotency_key_creates_one_payment(stripe_settings, client):
    alice = make_user("alice@example.com")
    client.force_login(alice)
    first = client.post(reverse("billing:buy"), {"pack": "standard", "token": "form-1"}, headers={"Idempotency-Key": "k-7"})
    again = client.post(reverse("billing:buy"), {"pack": "standard", "token": "form-2"}, headers={"Idempotency-Key": "k-7"})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    payment = Payment.objects.get()
    assert first["Location"] == reverse("billing:pay", args=[payment.public_id])
    # The form's own token does the same for a double click in the browser.
    client.post(reverse("billing:buy"), {"pack": "standard", "token": "form-3"})
    client.post(reverse("billing:buy"), {"pack": "standard", "token": "form-3"})
    assert Payment.objects.count() == 2


def test_an_unknown_pack_is_a_clear_error_and_writes_nothing(stripe_settings, client):
    alice = make_user("alice@example.com")
    with pytest.raises(services.BillingError) as e:
        services.start_purchase(alice, "platinum")
    assert e.value.code == "unknown_pack" and e.value.message == "There is no such credit pack."
    client.force_login(alice)
    response = client.post(reverse("billing:buy"), {"pack": "platinum", "token": "t"})
    assert response.status_code == 200
    assert "There is no such credit pack." in response.content.decode()
    assert not Payment.objects.exists()


def test_stripe_being_down_is_a_clear_error(stripe_settings):
    stripe_settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    alice = make_user("alice@example.com")
    with pytest.raises(services.BillingError) as e:
        services.start_purchase(alice, "standard")
    assert e.value.code == "payments_unavailable"
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    assert services.get_balance(alice) == 50
