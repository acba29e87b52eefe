"""The credit ledger: lots (what was granted or bought, with an expiry) and entries."""

from __future__ import annotations

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
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_at", "id"]


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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    amount = models.IntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    lot = models.ForeignKey(CreditLot, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    generation = models.ForeignKey(
        "generation.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
