from django.contrib import admin

from billing.models import CreditLot, LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "amount", "reason"]
    list_filter = ["kind"]
    search_fields = ["user__email", "reason", "idempotency_key"]

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditLot)
class CreditLotAdmin(admin.ModelAdmin):
    list_display = ["user", "source", "amount", "created_at", "expires_at"]
