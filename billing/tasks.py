"""Beat tasks: each loads nothing but what its service needs and is safe to run any number of times."""

from __future__ import annotations

from celery import shared_task

from billing import services


@shared_task(name="billing.tasks.grant_monthly_credits")
def grant_monthly_credits() -> int:
    """This month's free credits to everyone due; once per user and month (CELERY_BEAT_SCHEDULE)."""
    return services.grant_monthly_credits_to_all()


@shared_task(name="billing.tasks.expire_credit_lots")
def expire_credit_lots() -> int:
    """Write off what expired lots still hold."""
    return services.expire_lots()
