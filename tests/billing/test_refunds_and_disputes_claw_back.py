"""A refunded or disputed payment takes back the pack's unspent credits; what was spent becomes debt."""

import json

import pytest
from django.urls import reverse

from billing import services
from billing.lib import stripe_gateway
from billing.models import LedgerEntry, Payment
from tests.billing.conftest import sign, spend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
URL = reverse("billing:stripe_webhook")


@pytest.fixture
def bought(stripe_settings):
    """alice with no free credits and one paid pack of 115 on localstripe."""
    alice = make_user("alice@example.com", credits=0)
    payment = services.start_purchase(alice, "standard")
    services.pay_with_test_method(payment, "pm_card_visa")
    services.confirm_purchase(stripe_gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    assert services.get_balance(alice) == 115
    payment.refresh_from_db()
    return alice, payment


def _deliver(client, event_type, obj):
    body = json.dumps({"id": f"evt_{event_type}", "type": event_type, "data": {"object": obj}}).encode()
    return client.post(URL, data=body, content_type="application/json", headers={"Stripe-Signature": sign(body)})


def _rows(payment, kind):
    return list(LedgerEntry.objects.filter(payment=payment, kind=kind).values_list("amount", flat=True))


def test_a_full_refund_takes_back_the_unspent_part_and_records_the_rest_as_debt(client, bought):
    alice, payment = bought
    spend(alice, 15)
    charge = stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id)
    assert charge["amount_refunded"] == 1500

    response = _deliver(client, "charge.refunded", charge)
    assert response.status_code == 200, response.content
    assert services.get_balance(alice) == 0
    assert _rows(payment, LedgerEntry.Kind.CLAWBACK) == [-100]
    assert _rows(payment, LedgerEntry.Kind.DEBT) == [-15]
    assert services.get_debt(alice) == 15
    assert Payment.objects.get(pk=payment.pk).refunded_cents == 1500

    # Stripe sends it again: nothing more.
    assert _deliver(client, "charge.refunded", charge).status_code == 200
    assert LedgerEntry.objects.filter(payment=payment).count() == 3


def test_new_credits_pay_the_debt_back_first(client, bought, admin_user):
    alice, payment = bought
    spend(alice, 15)
    _deliver(client, "charge.refunded", stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id))
    services.grant_credits(alice, 20, reason="goodwill", actor=admin_user)
    assert services.get_debt(alice) == 0
    assert services.get_balance(alice) == 5
    repayments = LedgerEntry.objects.filter(user=alice, kind=LedgerEntry.Kind.DEBT_REPAYMENT)
    assert sorted(r.amount for r in repayments) == [-15, 15]


def test_a_partial_refund_takes_back_a_proportional_share_and_a_later_one_the_rest(client, bought):
    alice, payment = bought
    charge = stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id, amount_cents=750)
    _deliver(client, "charge.refunded", charge)
    assert services.get_balance(alice) == 115 - 58  # ceil(115 * 750 / 1500)
    charge = stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id, amount_cents=750)
    assert charge["amount_refunded"] == 1500
    _deliver(client, "charge.refunded", charge)
    assert services.get_balance(alice) == 0
    assert sum(_rows(payment, LedgerEntry.Kind.CLAWBACK)) == -115


def test_a_dispute_takes_back_everything_once_even_after_a_partial_refund(client, bought):
    alice, payment = bought
    spend(alice, 100)
    _deliver(client, "charge.refunded", stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id, amount_cents=300))
    dispute = {"id": "dp_1", "object": "dispute", "amount": 1500, "charge": "ch_x",
               "payment_intent": payment.stripe_payment_intent_id, "reason": "fraudulent", "status": "needs_response"}
    assert _deliver(client, "charge.dispute.created", dispute).status_code == 200
    assert _deliver(client, "charge.dispute.created", dispute).status_code == 200
    taken = -sum(_rows(payment, LedgerEntry.Kind.CLAWBACK)) + -sum(_rows(payment, LedgerEntry.Kind.DEBT))
    assert taken == 115
    assert services.get_balance(alice) == 0
    assert services.get_debt(alice) == 100
    assert Payment.objects.get(pk=payment.pk).disputed


def test_a_refund_reported_before_the_payment_is_applied_when_the_payment_arrives(client, stripe_settings):
    alice = make_user("alice@example.com", credits=0)
    payment = services.start_purchase(alice, "standard")
    services.pay_with_test_method(payment, "pm_card_visa")
    charge = stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id)
    _deliver(client, "charge.refunded", charge)
    assert not LedgerEntry.objects.exists()
    _deliver(client, "payment_intent.succeeded", stripe_gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    assert services.get_balance(alice) == 0
    assert _rows(payment, LedgerEntry.Kind.PURCHASE) == [115]
    assert _rows(payment, LedgerEntry.Kind.CLAWBACK) == [-115]


def test_a_staff_refund_goes_through_stripe_and_takes_the_credits_back(client, bought, admin_user):
    alice, payment = bought
    client.force_login(admin_user)
    url = reverse("billing:admin_refund_payment", args=[alice.pk, payment.public_id])
    response = client.post(url)
    assert response.status_code == 302
    assert services.get_balance(alice) == 0
    charge_refunds = stripe_gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
    assert charge_refunds["status"] == "succeeded"
    assert Payment.objects.get(pk=payment.pk).refunded_cents == 1500
