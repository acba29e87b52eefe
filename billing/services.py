"""Credit ledger services. Every change to a balance is a LedgerEntry row.

The rules (PRODUCT.md §2):
- A balance is derived from the rows: each lot's remainder is the sum of its
  entries, and the balance is the sum of the remainders of unexpired lots.
  Nothing caches it (one indexed aggregate per page, see docs/billing.md).
- Every write that changes a balance first locks the account's user row
  (`select_for_update`), so concurrent spends, grants and refunds for one
  account run one after another, and each check sees the committed rows.
- Every row has a unique idempotency key derived from what caused it (the
  generation, the payment, the user and month), so a replay finds the row
  already written and writes nothing.
"""

from __future__ import annotations

import calendar
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from billing.lib import stripe_gateway
from billing.models import CreditLot, LedgerEntry, Payment

log = logging.getLogger(__name__)

SIGNUP_CREDITS = 50
MONTHLY_CREDITS = 15
PURCHASE_VALID_MONTHS = 12
ADJUSTMENT_VALID_MONTHS = 12

# Test payment methods the "Pay" step offers when STRIPE_TEST_PAYMENTS is on.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "Visa ending 4242 (succeeds)",
    "pm_card_chargeCustomerFail": "Visa ending 0341 (is declined)",
}

error_messages = {
    "insufficient_credits": "Not enough credits for this request.",
    "invalid_amount": "The amount must be a whole number of credits other than zero.",
    "reason_required": "A reason is required.",
    "adjustment_exceeds_balance": "This account does not have that many credits to take back.",
    "unknown_pack": "There is no such credit pack.",
    "verify_first": "Please verify your e-mail address before buying credits.",
    "payments_unavailable": "Payments are not available right now. Please try again in a moment.",
    "payments_not_configured": "Payments are not set up on this site.",
    "test_payments_disabled": "Test payments are not enabled on this site.",
    "unknown_payment_method": "Please choose a payment method.",
    "payment_not_payable": "This payment can no longer be paid.",
    "card_declined": "Your card was declined. Nothing was charged.",
    "unknown_account": "This payment belongs to an account that no longer exists.",
    "unknown_payment": "This payment is not one of ours.",
    "payment_mismatch": "This payment does not match what was ordered.",
}


class BillingError(Exception):
    """A billing action refused. `code` keys `error_messages`; `message` is user-safe."""

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = message or error_messages[code]
        super().__init__(self.message)


# --- Time ---------------------------------------------------------------------------


def end_of_month(moment: datetime) -> datetime:
    last_day = calendar.monthrange(moment.year, moment.month)[1]
    return moment.replace(day=last_day, hour=23, minute=59, second=59, microsecond=999999)


def start_of_month(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# --- Reading balances -----------------------------------------------------------------


@dataclass(frozen=True)
class LotBalance:
    lot: CreditLot
    remaining: int


def lot_balances(user: User, *, at: datetime | None = None) -> list[LotBalance]:
    """Unexpired lots with credits left, those that expire first first."""
    at = at or timezone.now()
    lots = CreditLot.objects.filter(user_id=user.pk, expires_at__gt=at, cached_remaining__gt=0).order_by(
        "expires_at", "id"
    )
    return [LotBalance(lot, lot.cached_remaining) for lot in lots]


def get_balance(user: User, *, at: datetime | None = None) -> int:
    """Credits that can be spent now: the remainders of unexpired lots (one small query)."""
    at = at or timezone.now()
    total = CreditLot.objects.filter(user_id=user.pk, expires_at__gt=at).aggregate(
        total=Coalesce(Sum("cached_remaining"), 0)
    )["total"]
    return int(total)


def ledger_balance(user_id: int, *, at: datetime | None = None) -> int:
    """The balance recomputed from the rows alone, ignoring the cache (for checks)."""
    at = at or timezone.now()
    total = LedgerEntry.objects.filter(user_id=user_id, lot__expires_at__gt=at).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    return int(total)


def get_debt(user: User) -> int:
    """Credits owed from refunded or disputed purchases that were already spent."""
    total = LedgerEntry.objects.filter(user_id=user.pk, lot__isnull=True).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    return max(0, -int(total))


def expiry_soonest(user: User) -> datetime | None:
    balances = lot_balances(user)
    return balances[0].lot.expires_at if balances else None


def _lot_remaining(lot_id: int) -> int:
    return int(
        LedgerEntry.objects.filter(lot_id=lot_id).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    )


def _add_entry(**fields) -> LedgerEntry:
    """Append a ledger row and keep its lot's cached remainder in step, in the same transaction."""
    entry = LedgerEntry.objects.create(**fields)
    if entry.lot_id is not None:
        CreditLot.objects.filter(pk=entry.lot_id).update(cached_remaining=F("cached_remaining") + entry.amount)
    return entry


def _lock_account(user_id: int) -> User:
    """Lock the account: every balance change for this user waits here for the one before."""
    return User.objects.select_for_update().get(pk=user_id)


# --- Granting -----------------------------------------------------------------------


def _grant(
    user: User,
    *,
    source: str,
    kind: str,
    amount: int,
    expires_at: datetime,
    reason: str,
    idempotency_key: str,
    actor: User | None = None,
    payment: Payment | None = None,
) -> tuple[LedgerEntry, bool]:
    """Create a lot and its ledger row, once per key. Returns (row, created).

    A new lot first pays back any debt the account carries.
    """
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            _lock_account(user.pk)
            # Checked again under the lock: a concurrent caller may have just written it.
            existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                return existing, False
            lot = CreditLot.objects.create(
                user_id=user.pk, source=source, amount=amount, expires_at=expires_at, payment=payment
            )
            entry = _add_entry(
                user_id=user.pk, amount=amount, kind=kind, lot=lot, reason=reason[:500],
                idempotency_key=idempotency_key, actor=actor, payment=payment,
            )
            _repay_debt_from(lot, user)
            return entry, True
    except IntegrityError:
        # A concurrent caller with the same key won the insert; its row is the answer.
        return LedgerEntry.objects.get(idempotency_key=idempotency_key), False


def _repay_debt_from(lot: CreditLot, user: User) -> None:
    """Pay the account's debt from a new lot: one row draws on the lot, one cancels the debt."""
    debt = get_debt(user)
    if debt <= 0:
        return
    take = min(debt, lot.amount)
    reason = "Repays credits owed for a refunded or disputed purchase"
    _add_entry(
        user_id=user.pk, amount=-take, kind=LedgerEntry.Kind.DEBT_REPAYMENT, lot=lot, reason=reason,
        idempotency_key=f"debt-repayment:lot{lot.pk}:draw",
    )
    _add_entry(
        user_id=user.pk, amount=take, kind=LedgerEntry.Kind.DEBT_REPAYMENT, lot=None, reason=reason,
        idempotency_key=f"debt-repayment:lot{lot.pk}:settle",
    )


def _create_lot(
    user: User,
    *,
    source: str,
    kind: str,
    amount: int,
    expires_at: datetime,
    reason: str,
    idempotency_key: str,
    actor: User | None = None,
) -> LedgerEntry:
    """Kept for callers outside billing; new code should call `grant_credits`."""
    return _grant(
        user, source=source, kind=kind, amount=amount, expires_at=expires_at, reason=reason,
        idempotency_key=idempotency_key, actor=actor,
    )[0]


def grant_signup_credits(user: User) -> LedgerEntry:
    """The first month's 50 free credits, once per account; they expire at the end of the month."""
    now = timezone.now()
    return _grant(
        user, source=CreditLot.Source.SIGNUP, kind=LedgerEntry.Kind.SIGNUP_GRANT,
        amount=SIGNUP_CREDITS, expires_at=end_of_month(now),
        reason="Free credits for the first month", idempotency_key=f"signup-grant:{user.pk}",
    )[0]


def grant_monthly_credits(user: User, *, now: datetime | None = None) -> LedgerEntry | None:
    """This month's 15 free credits, once per user and month. None when not due.

    Not due for unverified or inactive accounts, nor in the month whose 50
    sign-up credits the account already received.
    """
    now = now or timezone.now()
    if not user.is_active or user.email_verified_at is None:
        return None
    month_start = start_of_month(now)
    if LedgerEntry.objects.filter(
        idempotency_key=f"signup-grant:{user.pk}", created_at__gte=month_start
    ).exists():
        return None
    entry, created = _grant(
        user, source=CreditLot.Source.MONTHLY, kind=LedgerEntry.Kind.MONTHLY_GRANT,
        amount=MONTHLY_CREDITS, expires_at=end_of_month(now),
        reason=f"Free credits for {now:%B %Y}",
        idempotency_key=f"monthly-grant:{user.pk}:{now:%Y-%m}",
    )
    return entry if created else None


def grant_monthly_credits_to_all(*, now: datetime | None = None) -> int:
    """Grant this month's free credits to every account that has not had them. Returns how many.

    Safe to run any number of times, late, or after downtime: the key per user
    and month lets each month be granted once. A month that passed entirely
    while this did not run is not granted afterwards: its credits would already
    have expired.
    """
    now = now or timezone.now()
    month_start = start_of_month(now)
    granted_this_month = LedgerEntry.objects.filter(
        user_id=OuterRef("pk"),
        kind__in=[LedgerEntry.Kind.MONTHLY_GRANT, LedgerEntry.Kind.SIGNUP_GRANT],
        created_at__gte=month_start,
    )
    due = (
        User.objects.filter(is_active=True, email_verified_at__isnull=False)
        .exclude(Exists(granted_this_month))
        .order_by("pk")
    )
    count = 0
    for user in due.iterator(chunk_size=500):
        if grant_monthly_credits(user, now=now):
            count += 1
    return count


def grant_credits(
    user: User,
    amount: int,
    *,
    reason: str,
    actor: User | None,
    idempotency_key: str | None = None,
    valid_months: int = ADJUSTMENT_VALID_MONTHS,
) -> LedgerEntry:
    """An admin's grant: a new lot of `amount` credits, valid for `valid_months`."""
    return adjust_credits(
        user, amount, reason=reason, actor=actor, idempotency_key=idempotency_key, valid_months=valid_months
    )[0]


def adjust_credits(
    user: User,
    amount: int,
    *,
    reason: str,
    actor: User | None,
    idempotency_key: str | None = None,
    valid_months: int = ADJUSTMENT_VALID_MONTHS,
) -> list[LedgerEntry]:
    """An admin adjustment with a reason: a grant (amount > 0) or a take-back (amount < 0).

    A take-back draws on the lots that expire first and cannot take more than
    the balance. Returns the rows written (or found, on a replay of the key).
    """
    reason = (reason or "").strip()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise BillingError("invalid_amount")
    if not reason:
        raise BillingError("reason_required")
    key = f"admin-adjustment:{idempotency_key or uuid.uuid4()}"
    if amount > 0:
        entry, _ = _grant(
            user, source=CreditLot.Source.ADJUSTMENT, kind=LedgerEntry.Kind.ADJUSTMENT, amount=amount,
            expires_at=timezone.now() + relativedelta(months=valid_months), reason=reason,
            idempotency_key=key, actor=actor,
        )
        return [entry]
    with transaction.atomic():
        _lock_account(user.pk)
        done = list(LedgerEntry.objects.filter(idempotency_key__startswith=f"{key}:"))
        if done:
            return done
        balances = lot_balances(user)
        if sum(b.remaining for b in balances) < -amount:
            raise BillingError("adjustment_exceeds_balance")
        return _draw(user, balances, -amount, kind=LedgerEntry.Kind.ADJUSTMENT, reason=reason,
                     key_prefix=key, actor=actor)


def _draw(user: User, balances: list[LotBalance], amount: int, *, kind: str, reason: str,
          key_prefix: str, actor: User | None = None, generation=None) -> list[LedgerEntry]:
    """Write negative rows for `amount` credits across `balances`, first-expiring first."""
    rows = []
    left = amount
    for b in balances:
        if left == 0:
            break
        take = min(left, b.remaining)
        rows.append(_add_entry(
            user_id=user.pk, amount=-take, kind=kind, lot=b.lot, generation=generation,
            reason=reason[:500], actor=actor, idempotency_key=f"{key_prefix}:lot{b.lot.pk}",
        ))
        left -= take
    assert left == 0, "the caller checked the balance under the lock"
    return rows


# --- Spending -----------------------------------------------------------------------


def charge_generation(generation) -> None:
    """Reserve `generation.credits_cost` credits, drawing on the lots that expire first.

    Must run inside the transaction that creates the generation, so that a
    request is accepted and paid for together or not at all. Raises
    BillingError("insufficient_credits") and writes nothing when short.
    Charging the same generation again writes nothing.
    """
    cost = generation.credits_cost
    if cost <= 0:
        return
    with transaction.atomic():
        owner = _lock_account(generation.owner_id)
        if LedgerEntry.objects.filter(generation_id=generation.pk, kind=LedgerEntry.Kind.SPEND).exists():
            return
        balances = lot_balances(owner)
        if sum(b.remaining for b in balances) < cost:
            raise BillingError("insufficient_credits")
        _draw(owner, balances, cost, kind=LedgerEntry.Kind.SPEND,
              reason=f"Generation {generation.public_id}", key_prefix=f"spend:{generation.pk}",
              generation=generation)


def refund_generation(generation, *, reason: str) -> int:
    """Give back what `generation` spent, once, to the lots it came from. Returns credits refunded.

    Safe to call any number of times and concurrently: each spend row has one
    refund key. Credits that go back to a lot that has expired meanwhile are
    written off again at once, as they would have been.
    """
    refunded = 0
    with transaction.atomic():
        _lock_account(generation.owner_id)
        spends = LedgerEntry.objects.filter(generation_id=generation.pk, kind=LedgerEntry.Kind.SPEND)
        now = timezone.now()
        for spend in spends.select_related("lot"):
            key = f"refund:{spend.idempotency_key}"
            if LedgerEntry.objects.filter(idempotency_key=key).exists():
                continue
            _add_entry(
                user_id=generation.owner_id, amount=-spend.amount, kind=LedgerEntry.Kind.REFUND,
                lot=spend.lot, generation=generation, reason=(reason or "Refund")[:500], idempotency_key=key,
            )
            refunded += -spend.amount
            if spend.lot.expires_at <= now:
                _write_off(spend.lot)
    return refunded


# --- Expiry -------------------------------------------------------------------------


def _write_off(lot: CreditLot) -> int:
    """Write off an expired lot's remainder (caller holds the account lock). Returns credits."""
    remaining = _lot_remaining(lot.pk)
    if remaining <= 0:
        return 0
    # The key names the lot's last row, so a lot refilled by a late refund can expire again.
    last = LedgerEntry.objects.filter(lot_id=lot.pk).order_by("-id").values_list("id", flat=True).first()
    _add_entry(
        user_id=lot.user_id, amount=-remaining, kind=LedgerEntry.Kind.EXPIRY, lot=lot,
        reason=f"{lot.get_source_display()} credits expired on {lot.expires_at:%d %b %Y}",
        idempotency_key=f"expiry:lot{lot.pk}:after{last}",
    )
    return remaining


def expire_lots(*, now: datetime | None = None) -> int:
    """Write an `expiry` row for every expired lot that still holds credits. Returns how many."""
    now = now or timezone.now()
    candidates = (
        CreditLot.objects.filter(expires_at__lte=now)
        .annotate(remaining=Coalesce(Sum("entries__amount"), 0))
        .filter(remaining__gt=0)
        .order_by("user_id", "id")
    )
    count = 0
    for lot in candidates.iterator(chunk_size=500):
        with transaction.atomic():
            _lock_account(lot.user_id)
            if _write_off(lot):
                count += 1
    return count


# --- Credit packs and payments --------------------------------------------------------


@dataclass(frozen=True)
class CreditPack:
    id: str
    credits: int
    price: Decimal
    currency: str

    @property
    def amount_cents(self) -> int:
        return int((self.price * 100).to_integral_value())

    @property
    def label(self) -> str:
        return f"{self.credits} credits"


def credit_packs() -> list[CreditPack]:
    return [CreditPack(**p) for p in settings.CREDIT_PACKS]


def get_pack(pack_id: str) -> CreditPack:
    for pack in credit_packs():
        if pack.id == pack_id:
            return pack
    raise BillingError("unknown_pack")


def start_purchase(user: User, pack_id: str, *, idempotency_key: str | None = None) -> Payment:
    """Create a Payment and its Stripe PaymentIntent for a pack. Credits come later, from the webhook.

    A retry with the same idempotency key returns the first Payment and creates
    no second PaymentIntent. The Stripe call runs outside any transaction.
    """
    pack = get_pack(pack_id)
    if not user.is_verified:
        raise BillingError("verify_first")
    if not settings.STRIPE_SECRET_KEY:
        raise BillingError("payments_not_configured")
    key = (idempotency_key or str(uuid.uuid4()))[:200]
    existing = Payment.objects.filter(user=user, idempotency_key=key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                user=user, pack_id=pack.id, credits=pack.credits, amount_cents=pack.amount_cents,
                currency=pack.currency, idempotency_key=key,
            )
    except IntegrityError:
        return Payment.objects.get(user=user, idempotency_key=key)

    try:
        intent = stripe_gateway.create_payment_intent(
            amount_cents=pack.amount_cents, currency=pack.currency,
            metadata={"easel_user": str(user.pk), "easel_pack": pack.id, "easel_payment": str(payment.public_id)},
            idempotency_key=f"easel-payment-{payment.public_id}",
        )
    except stripe_gateway.StripeGatewayError as e:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, failure_message=e.message[:500])
        log.warning("could not create a PaymentIntent for payment %s: %s", payment.pk, e.message)
        raise BillingError("payments_unavailable") from e
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent["id"])
    payment.refresh_from_db()
    return payment


def pay_with_test_method(payment: Payment, payment_method: str) -> Payment:
    """Confirm a payment server-side with one of Stripe's test payment methods (test mode only).

    The credits still come only from the signed webhook that Stripe sends.
    """
    if not settings.STRIPE_TEST_PAYMENTS:
        raise BillingError("test_payments_disabled")
    if payment_method not in TEST_PAYMENT_METHODS:
        raise BillingError("unknown_payment_method")
    claimed = Payment.objects.filter(
        pk=payment.pk, status=Payment.Status.CREATED, stripe_payment_intent_id__isnull=False
    ).update(status=Payment.Status.PROCESSING)
    if not claimed:
        payment.refresh_from_db()
        if payment.status in (Payment.Status.PROCESSING, Payment.Status.SUCCEEDED):
            return payment  # a double click: the first one is paying
        raise BillingError("payment_not_payable")
    try:
        stripe_gateway.confirm_with_payment_method(payment.stripe_payment_intent_id or "", payment_method)
    except stripe_gateway.StripeGatewayError as e:
        if e.permanent:
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PROCESSING).update(
                status=Payment.Status.FAILED, failure_message=e.message[:500]
            )
            raise BillingError("card_declined", f"{e.message} Nothing was charged.") from e
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PROCESSING).update(status=Payment.Status.CREATED)
        raise BillingError("payments_unavailable") from e
    payment.refresh_from_db()
    return payment


def _find_payment(intent_id: str | None, metadata: dict) -> Payment:
    """The Payment a Stripe object is about; BillingError when it is not ours or its account is gone."""
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first() if intent_id else None
    if payment is None and metadata.get("easel_payment"):
        try:
            payment = Payment.objects.filter(public_id=uuid.UUID(str(metadata["easel_payment"]))).first()
        except ValueError:
            payment = None
    user_ref = str(metadata.get("easel_user") or "")
    if payment is None:
        if user_ref and not (user_ref.isdigit() and User.objects.filter(pk=int(user_ref)).exists()):
            raise BillingError("unknown_account")
        raise BillingError("unknown_payment")
    if user_ref and user_ref != str(payment.user_id):
        raise BillingError("payment_mismatch")
    return payment


def confirm_purchase(intent: dict) -> LedgerEntry:
    """Grant a paid pack's credits, once per payment however often Stripe says so."""
    payment = _find_payment(intent.get("id"), intent.get("metadata") or {})
    if intent.get("amount") != payment.amount_cents or str(intent.get("currency", "")).lower() != payment.currency:
        raise BillingError("payment_mismatch")
    with transaction.atomic():
        user = _lock_account(payment.user_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        now = timezone.now()
        entry, created = _grant(
            user, source=CreditLot.Source.PURCHASE, kind=LedgerEntry.Kind.PURCHASE, amount=payment.credits,
            expires_at=now + relativedelta(months=PURCHASE_VALID_MONTHS),
            reason=f"Bought {payment.credits} credits ({payment.amount} {payment.currency.upper()})",
            idempotency_key=f"purchase:{payment.pk}", payment=payment,
        )
        if payment.status != Payment.Status.SUCCEEDED:
            payment.status = Payment.Status.SUCCEEDED
            payment.paid_at = now
            payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or intent.get("id")
            payment.failure_message = ""
            payment.save(update_fields=["status", "paid_at", "stripe_payment_intent_id", "failure_message"])
        # A refund or dispute may have been reported before the payment itself.
        _apply_reversal(payment)
    return entry


def record_payment_failure(intent: dict) -> None:
    payment = _find_payment(intent.get("id"), intent.get("metadata") or {})
    error = intent.get("last_payment_error") or {}
    Payment.objects.filter(pk=payment.pk).exclude(status=Payment.Status.SUCCEEDED).update(
        status=Payment.Status.FAILED, failure_message=str(error.get("message") or "The payment failed.")[:500]
    )


def record_payment_reversal(intent_id: str, *, refunded_cents: int | None = None, disputed: bool = False) -> int:
    """A refund or dispute: claw back the pack's unspent credits and record the rest as debt.

    Amounts only grow (Stripe reports the cumulative `amount_refunded`), so a
    replayed or out-of-order event computes the same target and writes
    nothing new. Returns the credits taken back by this call (clawed + owed).
    """
    payment = _find_payment(intent_id, {})
    with transaction.atomic():
        _lock_account(payment.user_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if refunded_cents is not None and refunded_cents > payment.refunded_cents:
            payment.refunded_cents = min(refunded_cents, payment.amount_cents)
        if disputed:
            payment.disputed = True
        payment.save(update_fields=["refunded_cents", "disputed"])
        return _apply_reversal(payment)


def _apply_reversal(payment: Payment) -> int:
    """Bring the credits taken back for `payment` up to what its refunds and disputes call for.

    The caller holds the account lock and the payment row.
    """
    if payment.disputed:
        target = payment.credits
    else:
        target = math.ceil(payment.credits * payment.refunded_cents / payment.amount_cents)
    lot = CreditLot.objects.filter(payment=payment).first()
    if target <= 0 or lot is None:
        return 0  # nothing granted yet: confirm_purchase applies it when it is
    taken = -int(LedgerEntry.objects.filter(
        payment=payment, kind__in=[LedgerEntry.Kind.CLAWBACK, LedgerEntry.Kind.DEBT]
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"])
    delta = target - taken
    if delta <= 0:
        return 0
    why = "disputed" if payment.disputed else "refunded"
    unspent = max(0, _lot_remaining(lot.pk)) if lot.expires_at > timezone.now() else 0
    clawed = min(delta, unspent)
    if clawed:
        _add_entry(
            user_id=payment.user_id, amount=-clawed, kind=LedgerEntry.Kind.CLAWBACK, lot=lot, payment=payment,
            reason=f"Payment {why}: unspent credits taken back", idempotency_key=f"clawback:{payment.pk}:to{target}",
        )
    owed = delta - clawed
    if owed:
        _add_entry(
            user_id=payment.user_id, amount=-owed, kind=LedgerEntry.Kind.DEBT, lot=None, payment=payment,
            reason=f"Payment {why}: credits already spent are owed", idempotency_key=f"debt:{payment.pk}:to{target}",
        )
    return delta


def handle_stripe_event(event: dict) -> str:
    """Act on a verified Stripe event. Returns what was done, for the log and the response."""
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind == "payment_intent.succeeded":
        confirm_purchase(obj)
        return "granted"
    if kind == "payment_intent.payment_failed":
        record_payment_failure(obj)
        return "recorded failure"
    if kind == "charge.refunded":
        record_payment_reversal(obj.get("payment_intent"), refunded_cents=int(obj.get("amount_refunded") or 0))
        return "recorded refund"
    if kind == "charge.dispute.created":
        record_payment_reversal(obj.get("payment_intent"), disputed=True)
        return "recorded dispute"
    return "ignored"


def refund_payment(payment: Payment, *, actor: User, amount_cents: int | None = None) -> int:
    """An admin refunds a payment through Stripe and takes the credits back now.

    Stripe's `charge.refunded` webhook will report the same cumulative amount
    later and write nothing more.
    """
    if payment.status != Payment.Status.SUCCEEDED or not payment.stripe_payment_intent_id:
        raise BillingError("payment_not_payable", "Only a paid payment can be refunded.")
    try:
        charge = stripe_gateway.refund_payment_intent(payment.stripe_payment_intent_id, amount_cents=amount_cents)
    except stripe_gateway.StripeGatewayError as e:
        raise BillingError("payments_unavailable", e.message) from e
    log.info("payment %s refunded by %s", payment.pk, actor.pk)
    return record_payment_reversal(payment.stripe_payment_intent_id, refunded_cents=int(charge["amount_refunded"]))


# --- Checking the ledger ----------------------------------------------------------------

_SIGNS = {
    LedgerEntry.Kind.SIGNUP_GRANT: 1, LedgerEntry.Kind.MONTHLY_GRANT: 1, LedgerEntry.Kind.PURCHASE: 1,
    LedgerEntry.Kind.SPEND: -1, LedgerEntry.Kind.REFUND: 1, LedgerEntry.Kind.EXPIRY: -1,
    LedgerEntry.Kind.CLAWBACK: -1, LedgerEntry.Kind.DEBT: -1,
}
_CREATING_KINDS = [
    LedgerEntry.Kind.SIGNUP_GRANT, LedgerEntry.Kind.MONTHLY_GRANT, LedgerEntry.Kind.PURCHASE,
    LedgerEntry.Kind.ADJUSTMENT,
]


def repair_lot_caches() -> int:
    """Set every lot's cached remainder to what its rows say. Returns how many were wrong."""
    wrong = 0
    for lot in CreditLot.objects.annotate(remaining=Coalesce(Sum("entries__amount"), 0)):
        if lot.cached_remaining != lot.remaining:
            with transaction.atomic():
                _lock_account(lot.user_id)
                CreditLot.objects.filter(pk=lot.pk).update(cached_remaining=_lot_remaining(lot.pk))
            wrong += 1
    return wrong


def find_ledger_problems() -> dict[int, list[str]]:
    """Recompute every balance from the rows and check the invariants. {user id: [problems]}."""
    problems: dict[int, list[str]] = {}

    def report(user_id: int, text: str) -> None:
        problems.setdefault(user_id, []).append(text)

    # Every row's amount has the sign its kind allows.
    for kind, sign in _SIGNS.items():
        bad = LedgerEntry.objects.filter(kind=kind).filter(Q(amount__lt=0) if sign > 0 else Q(amount__gt=0))
        for e in bad:
            report(e.user_id, f"entry {e.pk} ({kind}) has the wrong sign: {e.amount}")
    # A lot is created by exactly one positive row of its own amount, belongs to
    # one user, and holds between 0 and its amount.
    lots = CreditLot.objects.annotate(
        remaining=Coalesce(Sum("entries__amount"), 0),
        created_total=Coalesce(Sum("entries__amount", filter=Q(entries__kind__in=_CREATING_KINDS, entries__amount__gt=0)), 0),
    )
    for lot in lots:
        if lot.remaining < 0:
            report(lot.user_id, f"lot {lot.pk} is overdrawn: {lot.remaining}")
        if lot.created_total != lot.amount:
            report(lot.user_id, f"lot {lot.pk} of {lot.amount} was created by rows totalling {lot.created_total}")
        if lot.remaining > lot.amount:
            report(lot.user_id, f"lot {lot.pk} holds {lot.remaining}, more than its {lot.amount}")
        if lot.cached_remaining != lot.remaining:
            report(lot.user_id, f"lot {lot.pk} caches {lot.cached_remaining} but its rows hold {lot.remaining}")
    for e in LedgerEntry.objects.filter(lot__isnull=False).exclude(lot__user_id=F("user_id")):
        report(e.user_id, f"entry {e.pk} draws on another account's lot {e.lot_id}")
    # Debt is never negative (more repaid than owed).
    for row in LedgerEntry.objects.filter(lot__isnull=True).values("user_id").annotate(total=Sum("amount")):
        if row["total"] > 0:
            report(row["user_id"], f"debt is negative: {row['total']}")
    # A generation is refunded at most what it spent, and only by its owner's rows.
    gen_rows = (
        LedgerEntry.objects.filter(generation__isnull=False)
        .values("generation_id", "user_id", "generation__owner_id")
        .annotate(
            spent=Coalesce(Sum("amount", filter=Q(kind=LedgerEntry.Kind.SPEND)), 0),
            refunded=Coalesce(Sum("amount", filter=Q(kind=LedgerEntry.Kind.REFUND)), 0),
        )
    )
    for row in gen_rows:
        if row["refunded"] > -row["spent"]:
            report(row["user_id"], f"generation {row['generation_id']} refunded {row['refunded']} of {-row['spent']} spent")
        if row["user_id"] != row["generation__owner_id"]:
            report(row["user_id"], f"generation {row['generation_id']} is charged to someone other than its owner")
    # A paid payment has its one purchase lot; an unpaid one has none.
    for payment in Payment.objects.annotate(
        purchases=Coalesce(Sum("ledger_entries__amount", filter=Q(ledger_entries__kind=LedgerEntry.Kind.PURCHASE)), 0)
    ):
        expected = payment.credits if payment.status == Payment.Status.SUCCEEDED else 0
        if payment.purchases != expected:
            report(payment.user_id, f"payment {payment.pk} ({payment.status}) granted {payment.purchases} credits, expected {expected}")
    # The balance, recomputed lot by lot, is never negative.
    for user_id in LedgerEntry.objects.order_by().values_list("user_id", flat=True).distinct():
        balance = ledger_balance(user_id)
        if balance < 0:
            report(user_id, f"balance is negative: {balance}")
    return problems
