from django.contrib import admin

from billing.models import CreditLot, LedgerEntry, Payment


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger changes only through billing.services (see /billing/staff/ for adjustments)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "amount", "reason", "actor"]
    list_filter = ["kind"]
    search_fields = ["user__email", "reason", "idempotency_key"]


@admin.register(CreditLot)
class CreditLotAdmin(ReadOnlyAdmin):
    list_display = ["user", "source", "amount", "cached_remaining", "created_at", "expires_at"]
    list_filter = ["source"]
    search_fields = ["user__email"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "pack_id", "credits", "amount_cents", "currency", "status",
                    "refunded_cents", "disputed"]
    list_filter = ["status", "disputed"]
    search_fields = ["user__email", "stripe_payment_intent_id"]
