from billing.services import get_balance


def credits(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"credit_balance": get_balance(user)}
