"""The same signed webhook delivered again and again, one after another or all at once, grants once."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing import services
from billing.models import LedgerEntry, Payment
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("billing:stripe_webhook")


def _paid(alice, stripe_webhooks):
    """A real payment on localstripe and the real signed payment_intent.succeeded it sent."""
    payment = services.start_purchase(alice, "standard")
    services.pay_with_test_method(payment, "pm_card_visa")
    return payment, stripe_webhooks.wait_for("payment_intent.succeeded", payment.stripe_payment_intent_id)


def _deliver(client, body, signature):
    return client.post(URL, data=body, content_type="application/json", headers={"Stripe-Signature": signature})


def test_ten_deliveries_one_after_another_grant_once(stripe_webhooks):
    alice = make_user("alice@example.com")
    payment, (body, signature) = _paid(alice, stripe_webhooks)
    client = Client()
    responses = [_deliver(client, body, signature) for _ in range(10)]
    assert {r.status_code for r in responses} == {200}
    assert services.get_balance(alice) == 165
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE, payment=payment).count() == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED


def test_ten_deliveries_at_once_grant_once(stripe_webhooks):
    alice = make_user("alice@example.com")
    payment, (body, signature) = _paid(alice, stripe_webhooks)
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def deliver():
        try:
            barrier.wait()
            statuses.append(_deliver(Client(), body, signature).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * 10
    assert services.get_balance(alice) == 165
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE).count() == 1
