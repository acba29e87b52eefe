from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from billing import services
from billing.forms import AdjustmentForm, BuyForm, TestPaymentForm, new_token
from billing.lib import stripe_gateway
from billing.models import LedgerEntry, Payment

log = logging.getLogger(__name__)


def _get_payment_for_user(user, public_id) -> Payment:
    return get_object_or_404(Payment, public_id=public_id, user=user)


def _ledger_context(user) -> dict:
    return {
        "account": user,
        "balance": services.get_balance(user),
        "debt": services.get_debt(user),
        "lots": services.lot_balances(user),
        "entries": LedgerEntry.objects.filter(user=user).select_related("actor").order_by("-created_at", "-id")[:200],
        "payments": Payment.objects.filter(user=user)[:50],
    }


@require_GET
@login_required
def overview(request):
    return render(request, "billing/overview.html", _ledger_context(request.user))


@require_http_methods(["GET", "POST"])
@login_required
def buy(request):
    form = BuyForm(request.POST or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        # An API client's Idempotency-Key wins over the form's token.
        key = request.headers.get("Idempotency-Key") or form.cleaned_data["token"]
        try:
            payment = services.start_purchase(request.user, form.cleaned_data["pack"], idempotency_key=key)
        except services.BillingError as e:
            form.add_error(None, e.message)
        else:
            return redirect("billing:pay", public_id=payment.public_id)
    return render(request, "billing/buy.html", {"form": form, "packs": services.credit_packs(),
                                                "token": form["token"].value()})


@require_http_methods(["GET", "POST"])
@login_required
def pay(request, public_id):
    payment = _get_payment_for_user(request.user, public_id)
    form = TestPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pay_with_test_method(payment, form.cleaned_data["payment_method"])
        except services.BillingError as e:
            messages.error(request, e.message)
        return redirect("billing:pay", public_id=payment.public_id)
    payment.refresh_from_db()
    return render(request, "billing/pay.html", {
        "payment": payment, "form": form, "test_payments": settings.STRIPE_TEST_PAYMENTS,
    })


@require_GET
@login_required
def payment_status(request, public_id):
    payment = _get_payment_for_user(request.user, public_id)
    return JsonResponse({"status": payment.status, "balance": services.get_balance(request.user)})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's signed events. Only a verified event changes anything."""
    try:
        event = stripe_gateway.parse_webhook(request.body, request.headers.get("Stripe-Signature"))
    except stripe_gateway.StripeGatewayError as e:
        log.warning("refused a Stripe webhook: %s", e.message)
        return JsonResponse({"error": e.message}, status=400)
    try:
        outcome = services.handle_stripe_event(event)
    except services.BillingError as e:
        log.error("Stripe event %s (%s) not applied: %s", event.get("id"), event.get("type"), e.message)
        return JsonResponse({"error": e.message, "code": e.code}, status=400)
    return JsonResponse({"received": True, "outcome": outcome})


# --- Staff: any user's ledger -------------------------------------------------------------


@require_GET
@staff_member_required
def admin_accounts(request):
    query = request.GET.get("q", "").strip()
    users = User.objects.filter(email__icontains=query).order_by("email")[:50] if query else []
    return render(request, "billing/admin_accounts.html", {"query": query, "users": users})


@require_http_methods(["GET", "POST"])
@staff_member_required
def admin_ledger(request, user_id: int):
    account = get_object_or_404(User, pk=user_id)
    form = AdjustmentForm(request.POST or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        try:
            services.adjust_credits(
                account, form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                actor=request.user, idempotency_key=form.cleaned_data["token"],
            )
        except services.BillingError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "The adjustment was recorded.")
            return redirect("billing:admin_ledger", user_id=account.pk)
    context = _ledger_context(account) | {"form": form}
    return render(request, "billing/admin_ledger.html", context, status=400 if form.errors else 200)


@require_POST
@staff_member_required
def admin_refund_payment(request, user_id: int, public_id):
    payment = get_object_or_404(Payment, public_id=public_id, user_id=user_id)
    try:
        taken = services.refund_payment(payment, actor=request.user)
    except services.BillingError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"Refunded through Stripe; {taken} credits taken back.")
    return redirect("billing:admin_ledger", user_id=user_id)


