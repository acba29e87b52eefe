"""`manage.py check_ledger` recomputes every balance from the rows and names the accounts that are off."""

import io

import pytest
from django.core.management import CommandError, call_command

from billing import services
from billing.models import CreditLot, LedgerEntry
from tests.billing.conftest import spend

pytestmark = pytest.mark.django_db


def _check() -> str:
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    return out.getvalue()


def test_a_consistent_ledger_passes(alice, bob):
    spend(alice, 3)
    assert _check().startswith("Ledger OK: 2 accounts")


@pytest.mark.corrupts_ledger
def test_an_overdrawn_lot_fails_naming_the_account(alice, bob):
    lot = CreditLot.objects.get(user=alice)
    # Written past the service, as a bug or a hand-edited database would.
    LedgerEntry.objects.create(user=alice, amount=-60, kind=LedgerEntry.Kind.SPEND, lot=lot,
                               reason="bypassed the lock", idempotency_key="bad-1")
    err = io.StringIO()
    with pytest.raises(CommandError) as e:
        call_command("check_ledger", stderr=err)
    assert e.value.returncode == 1
    assert "alice@example.com" in err.getvalue() and "bob@example.com" not in err.getvalue()
    assert f"lot {lot.pk} is overdrawn: -10" in err.getvalue()
    assert err.getvalue().count("balance is negative: -10") == 1


@pytest.mark.corrupts_ledger
def test_a_double_refund_and_a_wrong_sign_are_reported(alice):
    generation = spend(alice, 1)
    services.refund_generation(generation, reason="once")
    LedgerEntry.objects.create(user=alice, amount=1, kind=LedgerEntry.Kind.REFUND, generation=generation,
                               lot=CreditLot.objects.get(user=alice), reason="twice", idempotency_key="bad-2")
    problems = services.find_ledger_problems()[alice.pk]
    assert any("refunded 2 of 1 spent" in p for p in problems)
    assert any("holds 51, more than its 50" in p for p in problems)


@pytest.mark.corrupts_ledger
def test_a_paid_payment_without_its_credits_is_reported(alice):
    from billing.models import Payment

    Payment.objects.create(user=alice, pack_id="standard", credits=115, amount_cents=1500, currency="usd",
                           idempotency_key="k", status=Payment.Status.SUCCEEDED)
    assert any("granted 0 credits, expected 115" in p for p in services.find_ledger_problems()[alice.pk])


def test_ledger_rows_cannot_be_edited_or_deleted(alice):
    entry = LedgerEntry.objects.get(user=alice)
    entry.amount = 5000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(user=alice).update(amount=5000)
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(user=alice).delete()
    assert services.get_balance(alice) == 50


@pytest.mark.corrupts_ledger
def test_a_cached_remainder_that_disagrees_with_the_rows_is_reported_and_repaired(alice):
    lot = CreditLot.objects.get(user=alice)
    CreditLot.objects.filter(pk=lot.pk).update(cached_remaining=500)
    assert any("caches 500 but its rows hold 50" in p for p in services.find_ledger_problems()[alice.pk])
    out = io.StringIO()
    call_command("check_ledger", "--repair-cache", stdout=out)
    assert "Repaired the cached remainder of 1 lot(s)." in out.getvalue()
    assert services.get_balance(alice) == 50
