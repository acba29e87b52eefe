"""The one seam between Easel and Stripe.

Everything that talks to Stripe goes through these functions, which return
plain dicts and raise one error type. Tests run them against localstripe
(STRIPE_API_BASE); a patch here is only for faults that cannot be caused for
real.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from django.conf import settings

log = logging.getLogger(__name__)


class StripeGatewayError(Exception):
    """Stripe refused or could not be reached.

    `permanent` is True when repeating the same call cannot succeed (a
    declined card, a bad request, a bad signature) and False for what may pass
    on a retry (a lost connection, a rate limit, a Stripe-side 5xx).
    """

    def __init__(self, message: str, *, permanent: bool, code: str = ""):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeGatewayError("Stripe is not configured (STRIPE_SECRET_KEY).", permanent=True, code="not_configured")
    kwargs: dict[str, Any] = {"max_network_retries": 0}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def _wrap(e: stripe.StripeError) -> StripeGatewayError:
    transient = isinstance(e, stripe.APIConnectionError | stripe.RateLimitError) or (
        isinstance(e, stripe.APIError) and (e.http_status or 500) >= 500
    )
    message = e.user_message or str(e) or "Stripe refused the request."
    return StripeGatewayError(message, permanent=not transient, code=e.code or type(e).__name__)


def _plain(obj: Any) -> dict:
    # StripeObject.get() is broken in stripe 16.1; a plain dict avoids it.
    return json.loads(str(obj)) if obj is not None else {}


def create_payment_intent(
    *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
) -> dict:
    """A PaymentIntent for the amount. Stripe de-duplicates on `idempotency_key` (localstripe does not)."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": amount_cents,
                "currency": currency,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as e:
        raise _wrap(e) from e
    return _plain(intent)


def confirm_with_payment_method(intent_id: str, payment_method: str) -> dict:
    """Attach a payment method and confirm (test mode: `pm_card_visa` and friends)."""
    client = _client()
    try:
        client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        intent = client.v1.payment_intents.confirm(intent_id)
    except stripe.StripeError as e:
        raise _wrap(e) from e
    return _plain(intent)


def retrieve_payment_intent(intent_id: str) -> dict:
    try:
        return _plain(_client().v1.payment_intents.retrieve(intent_id))
    except stripe.StripeError as e:
        raise _wrap(e) from e


def refund_payment_intent(intent_id: str, *, amount_cents: int | None = None) -> dict:
    """Refund all or part of a payment. Returns the charge, with its `amount_refunded`."""
    client = _client()
    params: dict[str, Any] = {"payment_intent": intent_id}
    if amount_cents is not None:
        params["amount"] = amount_cents
    try:
        client.v1.refunds.create(params=params)
        intent = _plain(client.v1.payment_intents.retrieve(intent_id))
        charge_id = intent["latest_charge"]
        if isinstance(charge_id, dict):
            charge_id = charge_id["id"]
        return _plain(client.v1.charges.retrieve(charge_id))
    except stripe.StripeError as e:
        raise _wrap(e) from e


def parse_webhook(payload: bytes, signature_header: str | None) -> dict:
    """Verify a webhook's `Stripe-Signature` and return the event as a plain dict."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise StripeGatewayError("The webhook secret is not configured.", permanent=True, code="not_configured")
    if not signature_header:
        raise StripeGatewayError("Missing Stripe-Signature header.", permanent=True, code="bad_signature")
    try:
        stripe.Webhook.construct_event(payload, signature_header, settings.STRIPE_WEBHOOK_SECRET)
    except stripe.SignatureVerificationError as e:
        raise StripeGatewayError("Bad Stripe-Signature.", permanent=True, code="bad_signature") from e
    except ValueError as e:
        raise StripeGatewayError("The payload is not valid JSON.", permanent=True, code="bad_payload") from e
    event = json.loads(payload)
    if not isinstance(event, dict) or "type" not in event or "data" not in event:
        raise StripeGatewayError("The payload is not a Stripe event.", permanent=True, code="bad_payload")
    return event
