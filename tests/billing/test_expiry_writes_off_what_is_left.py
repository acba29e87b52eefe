"""An expired lot's remainder is written off by one `expiry` row; spent credits are not touched."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing import services, tasks
from billing.models import CreditLot, LedgerEntry
from tests.billing.conftest import spend

pytestmark = pytest.mark.django_db


def _expire(lot):
    CreditLot.objects.filter(pk=lot.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


def test_it_writes_off_the_unspent_remainder_once(alice):
    spend(alice, 20)
    lot = CreditLot.objects.get(user=alice)
    _expire(lot)
    assert services.get_balance(alice) == 0
    assert services.expire_lots() == 1
    assert services.expire_lots() == 0
    row = LedgerEntry.objects.get(user=alice, kind=LedgerEntry.Kind.EXPIRY)
    assert row.amount == -30 and row.lot_id == lot.pk
    assert "expired" in row.reason
    assert services._lot_remaining(lot.pk) == 0


def test_purchased_credits_outlive_the_free_ones(alice):
    services.grant_credits(alice, 7, reason="goodwill", actor=None)
    _expire(CreditLot.objects.get(source=CreditLot.Source.SIGNUP))
    tasks.expire_credit_lots.delay().get()
    assert services.get_balance(alice) == 7


def test_a_refund_into_an_expired_lot_expires_again_at_once(alice):
    generation = spend(alice, 1)
    lot = CreditLot.objects.get(user=alice)
    _expire(lot)
    services.expire_lots()
    assert services.refund_generation(generation, reason="late failure") == 1
    assert services._lot_remaining(lot.pk) == 0
    assert LedgerEntry.objects.filter(lot=lot, kind=LedgerEntry.Kind.EXPIRY).count() == 2
    assert services.get_balance(alice) == 0
