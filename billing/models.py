"""The credit ledger: lots (what was granted or bought, with an expiry), entries, payments.

A lot's remainder is the sum of the entries that point at it; a user's
balance is the sum of the remainders of their unexpired lots. Entries with no
lot are debt: a clawback that found the purchased credits already spent
writes a negative debt row, and later lots pay it back.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class CreditLot(models.Model):
    """Credits from one grant or purchase, spent before they expire."""

    class Source(models.TextChoices):
        SIGNUP = "signup_grant", "Sign-up grant"
        MONTHLY = "monthly_grant", "Monthly grant"
        PURCHASE = "purchase", "Purchase"
        ADJUSTMENT = "admin_adjustment", "Admin adjustment"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_lots")
    source = models.CharField(max_length=32, choices=Source.choices)
    amount = models.PositiveIntegerField()
    payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="lot"
    )
    # A cache of the sum of this lot's entries, written in the same transaction
    # as each entry (billing.services._add_entry) so reading a balance costs one
    # small query whatever the ledger's length. check_ledger compares it with
    # the rows, and the rows win.
    cached_remaining = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="lot_user_expiry")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} of {self.amount} (lot {self.pk})"


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise TypeError("Ledger entries are append-only: write a new entry instead.")

    def delete(self):  # type: ignore[override]
        raise TypeError("Ledger entries are append-only: write a new entry instead.")


class LedgerEntry(models.Model):
    """One append-only change to a balance. Never edited or deleted."""

    class Kind(models.TextChoices):
        SIGNUP_GRANT = "signup_grant", "Sign-up grant"
        MONTHLY_GRANT = "monthly_grant", "Monthly grant"
        PURCHASE = "purchase", "Purchase"
        SPEND = "spend", "Spend"
        REFUND = "refund", "Refund"
        EXPIRY = "expiry", "Expiry"
        ADJUSTMENT = "admin_adjustment", "Admin adjustment"
        CLAWBACK = "payment_clawback", "Payment refunded or disputed"
        DEBT = "debt", "Debt"
        DEBT_REPAYMENT = "debt_repayment", "Debt repayment"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    amount = models.IntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    lot = models.ForeignKey(CreditLot, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    # PROTECT, not SET_NULL: nulling the link would edit a ledger row.
    generation = models.ForeignKey(
        "generation.Generation", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="ledger_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.kind} for user {self.user_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ledger entries are append-only: write a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only: write a new entry instead.")


class Payment(models.Model):
    """One attempt to buy a credit pack: a Stripe PaymentIntent and what came of it."""

    class Status(models.TextChoices):
        CREATED = "created", "Waiting for payment"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    pack_id = models.CharField(max_length=40)
    credits = models.PositiveIntegerField()
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    stripe_payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # Per user: the browser form's token (or an API client's Idempotency-Key).
    idempotency_key = models.CharField(max_length=200)
    failure_message = models.CharField(max_length=500, blank=True)
    refunded_cents = models.PositiveIntegerField(default=0)
    disputed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="payment_unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} for user {self.user_id} ({self.status})"

    @property
    def amount(self):
        from decimal import Decimal

        return (Decimal(self.amount_cents) / 100).quantize(Decimal("0.01"))
