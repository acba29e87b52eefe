"""A spend takes credits from the lots that expire first, and is refused, writing nothing, when short."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing import services
from billing.models import CreditLot, LedgerEntry
from tests.billing.conftest import spend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _lot(user, amount, *, days, key):
    services._create_lot(
        user, source=CreditLot.Source.ADJUSTMENT, kind=LedgerEntry.Kind.ADJUSTMENT, amount=amount,
        expires_at=timezone.now() + timedelta(days=days), reason="test lot", idempotency_key=key,
    )
    return CreditLot.objects.get(entries__idempotency_key=key)


def test_it_spends_the_soonest_expiring_lot_first_and_splits_across_lots(alice):
    # alice has 50 sign-up credits expiring at the end of the month.
    later = _lot(alice, 10, days=300, key="later")
    sooner = _lot(alice, 3, days=1, key="sooner")
    if sooner.expires_at > CreditLot.objects.get(source=CreditLot.Source.SIGNUP).expires_at:
        pytest.skip("the month ends within a day")
    generation = spend(alice, 5)
    rows = list(LedgerEntry.objects.filter(generation=generation).order_by("id"))
    assert [(r.lot_id, r.amount) for r in rows][0] == (sooner.pk, -3)
    assert sum(r.amount for r in rows) == -5
    assert all(r.kind == LedgerEntry.Kind.SPEND for r in rows)
    assert services.get_balance(alice) == 50 + 10 + 3 - 5
    assert [b.lot.pk for b in services.lot_balances(alice)][-1] == later.pk


def test_a_studio_request_costs_one_credit_and_the_api_ceil_n_over_4_or_3():
    from generation.models import Generation
    from generation.services import generation_cost

    assert generation_cost(Generation.Mode.GENERATE, 4, source=Generation.Source.STUDIO) == 1
    assert generation_cost(Generation.Mode.EDIT, 3, source=Generation.Source.STUDIO) == 1
    assert generation_cost(Generation.Mode.GENERATE, 5, source=Generation.Source.API) == 2
    assert generation_cost(Generation.Mode.GENERATE, 10, source=Generation.Source.API) == 3
    assert generation_cost(Generation.Mode.VARIATION, 4, source=Generation.Source.API) == 2
    assert generation_cost(Generation.Mode.EDIT, 3, source=Generation.Source.API) == 1


def test_it_refuses_a_spend_larger_than_the_balance_and_writes_nothing(alice):
    before = LedgerEntry.objects.count()
    with pytest.raises(services.BillingError) as e:
        spend(alice, 51)
    assert e.value.code == "insufficient_credits"
    assert e.value.message == services.error_messages["insufficient_credits"]
    assert LedgerEntry.objects.count() == before
    assert services.get_balance(alice) == 50


def test_expired_lots_are_not_spendable(alice):
    lot = _lot(alice, 5, days=1, key="soon")
    CreditLot.objects.filter(pk=lot.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    services.expire_lots()
    assert services.get_balance(alice) == 50
    with pytest.raises(services.BillingError):
        spend(alice, 51)


def test_charging_the_same_generation_twice_charges_once(alice):
    generation = spend(alice, 2)
    services.charge_generation(generation)
    assert services.get_balance(alice) == 48
    assert LedgerEntry.objects.filter(generation=generation).count() == 1


def test_an_unverified_user_has_nothing_to_spend(db):
    dan = make_user("dan@example.com", verified=False)
    with pytest.raises(services.BillingError):
        spend(dan, 1)
    assert not LedgerEntry.objects.filter(user=dan).exists()
