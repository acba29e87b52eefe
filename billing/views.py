from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from billing.models import LedgerEntry
from billing.services import get_balance, lot_balances


@login_required
def overview(request):
    entries = LedgerEntry.objects.filter(user=request.user).order_by("-created_at", "-id")[:200]
    return render(
        request,
        "billing/overview.html",
        {"balance": get_balance(request.user), "lots": lot_balances(request.user), "entries": entries},
    )
