"""Free credits: 50 on verification for the first month, then 15 at the start of each month, once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from billing import services, tasks
from billing.models import CreditLot, LedgerEntry
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

DEC_1 = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)


@pytest.fixture
def veteran(db):
    """An account verified before this month, whose first month is over."""
    user = make_user("carol@example.com", credits=0)
    user.email_verified_at = timezone.now() - timedelta(days=90)
    user.save(update_fields=["email_verified_at"])
    return user


def test_the_monthly_run_grants_15_credits_expiring_at_the_end_of_the_month(veteran):
    assert services.grant_monthly_credits_to_all(now=DEC_1) == 1
    entry = LedgerEntry.objects.get(user=veteran)
    assert entry.kind == LedgerEntry.Kind.MONTHLY_GRANT and entry.amount == 15
    assert entry.idempotency_key == f"monthly-grant:{veteran.pk}:2026-12"
    assert entry.lot.expires_at == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert entry.reason == "Free credits for December 2026"


def test_running_it_twice_or_late_grants_each_month_once(veteran):
    services.grant_monthly_credits_to_all(now=DEC_1)
    assert services.grant_monthly_credits_to_all(now=DEC_1) == 0
    assert services.grant_monthly_credits_to_all(now=DEC_1 + timedelta(days=9)) == 0  # late, same month
    assert services.grant_monthly_credits(veteran, now=DEC_1 + timedelta(hours=3)) is None
    assert LedgerEntry.objects.filter(user=veteran, kind=LedgerEntry.Kind.MONTHLY_GRANT).count() == 1


def test_after_downtime_the_next_run_grants_the_current_month_only(veteran):
    services.grant_monthly_credits_to_all(now=DEC_1)
    # Down from 2 December to 4 February: January's credits would have expired unused.
    services.grant_monthly_credits_to_all(now=datetime(2027, 2, 4, 9, 0, tzinfo=UTC))
    keys = sorted(LedgerEntry.objects.filter(user=veteran).values_list("idempotency_key", flat=True))
    assert keys == [f"monthly-grant:{veteran.pk}:2026-12", f"monthly-grant:{veteran.pk}:2027-02"]


def test_the_month_of_the_sign_up_grant_gets_no_monthly_grant(alice):
    # alice was verified and got her 50 this month.
    assert services.grant_monthly_credits_to_all() == 0
    assert services.get_balance(alice) == 50
    assert list(LedgerEntry.objects.filter(user=alice).values_list("kind", flat=True)) == ["signup_grant"]


def test_unverified_and_inactive_accounts_get_nothing(db):
    make_user("dan@example.com", verified=False)
    eve = make_user("eve@example.com", credits=0)
    eve.email_verified_at = timezone.now() - timedelta(days=90)
    eve.is_active = False
    eve.save()
    assert services.grant_monthly_credits_to_all(now=DEC_1) == 0
    assert not LedgerEntry.objects.exists()


def test_the_sign_up_grant_is_50_once_however_often_verification_runs(db):
    dan = make_user("dan@example.com", credits=0)
    first = services.grant_signup_credits(dan)
    again = services.grant_signup_credits(dan)
    assert first.pk == again.pk
    assert services.get_balance(dan) == 50
    lot = CreditLot.objects.get(user=dan)
    assert lot.source == CreditLot.Source.SIGNUP
    assert lot.expires_at == services.end_of_month(lot.created_at)


def test_the_beat_task_calls_the_service_and_is_scheduled(veteran, settings):
    assert tasks.grant_monthly_credits.delay().get() == 1
    assert tasks.grant_monthly_credits.delay().get() == 0
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"billing.tasks.grant_monthly_credits", "billing.tasks.expire_credit_lots"} <= names
