"""A webhook with a bad or missing signature, or about a payment that is not ours, is a 400 and writes nothing."""

import json

import pytest
from django.urls import reverse

from billing import services
from billing.lib import stripe_gateway
from billing.models import LedgerEntry, Payment
from tests.billing.conftest import sign
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
URL = reverse("billing:stripe_webhook")


def _event(intent: dict) -> bytes:
    """The event Stripe sends for a paid intent, around the real object read back from localstripe."""
    return json.dumps({
        "id": f"evt_{intent['id']}", "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": intent},
    }).encode()


@pytest.fixture
def paid(stripe_settings):
    # test_webhooks_grant_once.py replays what localstripe itself sends; here
    # the same event is signed by the test, to be able to spoil it.
    alice = make_user("alice@example.com")
    payment = services.start_purchase(alice, "standard")
    services.pay_with_test_method(payment, "pm_card_visa")
    body = _event(stripe_gateway.retrieve_payment_intent(payment.stripe_payment_intent_id))
    return alice, payment, body, sign(body)


def _post(client, body, signature=None):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def _nothing_granted(alice):
    assert services.get_balance(alice) == 50
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE).exists()
    assert Payment.objects.get().status == Payment.Status.PROCESSING


def test_a_missing_signature_is_a_400(client, paid):
    alice, _, body, _ = paid
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json() == {"error": "Missing Stripe-Signature header."}
    _nothing_granted(alice)


def test_the_untouched_event_is_accepted(client, paid):
    alice, _, body, signature = paid
    assert _post(client, body, signature).status_code == 200
    assert services.get_balance(alice) == 165


def test_a_signature_with_the_wrong_secret_is_a_400(client, paid):
    alice, _, body, _ = paid
    assert _post(client, body, sign(body, secret="whsec_someone_else")).status_code == 400
    _nothing_granted(alice)


def test_a_tampered_body_is_a_400(client, paid):
    alice, _, body, signature = paid
    event = json.loads(body)
    event["data"]["object"]["amount"] = 1
    assert _post(client, json.dumps(event).encode(), signature).status_code == 400
    _nothing_granted(alice)


def test_an_old_signature_is_a_400(client, paid):
    alice, _, body, _ = paid
    assert _post(client, body, sign(body, timestamp=1_600_000_000)).status_code == 400
    _nothing_granted(alice)


def test_get_is_not_allowed(client, stripe_settings):
    assert client.get(URL).status_code == 405


def test_a_payment_for_a_deleted_account_is_a_clear_error_and_writes_nothing(client, stripe_settings):
    dan = make_user("dan@example.com", credits=0)
    # A PaymentIntent whose account was deleted before Stripe reported it (never recorded here).
    intent = stripe_gateway.create_payment_intent(
        amount_cents=1500, currency="usd", metadata={"easel_user": str(dan.pk), "easel_pack": "standard"},
        idempotency_key="orphan",
    )
    dan.delete()
    body = _event(stripe_gateway.confirm_with_payment_method(intent["id"], "pm_card_visa"))
    response = _post(client, body, sign(body))
    assert response.status_code == 400
    assert response.json() == {"error": "This payment belongs to an account that no longer exists.", "code": "unknown_account"}
    assert not LedgerEntry.objects.exists()


def test_an_amount_that_does_not_match_the_order_grants_nothing(client, paid):
    alice, payment, body, _ = paid
    event = json.loads(body)
    event["data"]["object"]["amount"] = 1
    forged = json.dumps(event).encode()
    response = _post(client, forged, sign(forged))
    assert response.status_code == 400 and response.json()["code"] == "payment_mismatch"
    _nothing_granted(alice)


def test_events_it_does_not_handle_are_acknowledged(client, stripe_settings):
    body = json.dumps({"id": "evt_1", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}).encode()
    response = _post(client, body, sign(body))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
