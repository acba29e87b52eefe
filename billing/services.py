"""Credit ledger services. Every change to a balance is a LedgerEntry row.

A balance is derived from the rows. To spend, the user's row is locked
(`select_for_update`) so that concurrent spends serialise on it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from billing.models import CreditLot, LedgerEntry

SIGNUP_CREDITS = 50
MONTHLY_CREDITS = 15

error_messages = {
    "insufficient_credits": "You don't have enough credits for this request.",
    "invalid_amount": "The amount must be a positive whole number of credits.",
    "reason_required": "A reason is required.",
}


class BillingError(Exception):
    def __init__(self, code: str, message: str | None = None):
        super().__init__(message or error_messages[code])
        self.code = code
        self.message = message or error_messages[code]


def end_of_month(moment: datetime) -> datetime:
    last_day = calendar.monthrange(moment.year, moment.month)[1]
    return moment.replace(day=last_day, hour=23, minute=59, second=59, microsecond=999999)


@dataclass(frozen=True)
class LotBalance:
    lot: CreditLot
    remaining: int


def lot_balances(user: User, *, at: datetime | None = None) -> list[LotBalance]:
    """Unexpired lots with credits left, those that expire first first."""
    at = at or timezone.now()
    lots = CreditLot.objects.filter(user=user, expires_at__gt=at).annotate(
        remaining=Sum("entries__amount")
    )
    return [LotBalance(lot, lot.remaining) for lot in lots.order_by("expires_at", "id") if lot.remaining and lot.remaining > 0]


def get_balance(user: User, *, at: datetime | None = None) -> int:
    return sum(b.remaining for b in lot_balances(user, at=at))


def _create_lot(user: User, *, source: str, kind: str, amount: int, expires_at: datetime,
                reason: str, idempotency_key: str, actor: User | None = None) -> LedgerEntry:
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            lot = CreditLot.objects.create(user=user, source=source, amount=amount, expires_at=expires_at)
            return LedgerEntry.objects.create(
                user=user, amount=amount, kind=kind, lot=lot, reason=reason,
                idempotency_key=idempotency_key, actor=actor,
            )
    except IntegrityError:
        # A concurrent caller with the same key won; its row is the answer.
        return LedgerEntry.objects.get(idempotency_key=idempotency_key)


def grant_signup_credits(user: User) -> LedgerEntry:
    """The first month's 50 free credits, once per account."""
    now = timezone.now()
    return _create_lot(
        user, source=CreditLot.Source.SIGNUP, kind=LedgerEntry.Kind.SIGNUP_GRANT,
        amount=SIGNUP_CREDITS, expires_at=end_of_month(now),
        reason="Free credits for the first month", idempotency_key=f"signup-grant:{user.pk}",
    )


def charge_generation(generation) -> None:
    """Reserve `generation.credits_cost` credits, drawing on the lots that expire first.

    Must run inside the transaction that creates the generation. Raises
    BillingError("insufficient_credits") and writes nothing when short.
    """
    cost = generation.credits_cost
    if cost <= 0:
        return
    with transaction.atomic():
        User.objects.select_for_update().get(pk=generation.owner_id)
        balances = lot_balances(generation.owner)
        if sum(b.remaining for b in balances) < cost:
            raise BillingError("insufficient_credits")
        left = cost
        for b in balances:
            take = min(left, b.remaining)
            LedgerEntry.objects.create(
                user_id=generation.owner_id, amount=-take, kind=LedgerEntry.Kind.SPEND, lot=b.lot,
                generation=generation, reason=f"Generation {generation.public_id}",
                idempotency_key=f"spend:{generation.pk}:lot{b.lot.pk}",
            )
            left -= take
            if left == 0:
                break


def refund_generation(generation, *, reason: str) -> int:
    """Give back what `generation` spent, once, to the lots it came from. Returns credits refunded."""
    refunded = 0
    with transaction.atomic():
        User.objects.select_for_update().get(pk=generation.owner_id)
        spends = LedgerEntry.objects.filter(generation=generation, kind=LedgerEntry.Kind.SPEND)
        for spend in spends:
            key = f"refund:{spend.idempotency_key}"
            if LedgerEntry.objects.filter(idempotency_key=key).exists():
                continue
            LedgerEntry.objects.create(
                user_id=generation.owner_id, amount=-spend.amount, kind=LedgerEntry.Kind.REFUND,
                lot=spend.lot, generation=generation, reason=reason[:500], idempotency_key=key,
            )
            refunded += -spend.amount
    return refunded


def expiry_soonest(user: User) -> datetime | None:
    balances = lot_balances(user)
    return balances[0].lot.expires_at if balances else None


