from billing.services import lot_balances


def credits(request):
    """`credit_balance`, `credit_lots` and `credit_soonest_expiry` for every page's header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # One query gives the lots, and the balance is their sum.
    lots = lot_balances(user)
    return {
        "credit_balance": sum(b.remaining for b in lots),
        "credit_lots": lots,
        "credit_soonest_expiry": lots[0].lot.expires_at if lots else None,
    }
