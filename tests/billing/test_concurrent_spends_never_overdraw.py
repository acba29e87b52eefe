"""Fifty spends at once against a balance of ten: exactly ten succeed and the balance ends at zero.

Real threads, each with its own PostgreSQL connection, race through the same
service the studio and the API use.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing import services
from billing.models import LedgerEntry
from generation import services as generation_services
from generation.models import Generation
from tests.billing.conftest import spend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n, work):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 - recorded and asserted on
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_fifty_concurrent_spends_against_ten_credits_let_exactly_ten_through():
    alice = make_user("alice@example.com", credits=0)
    services.grant_credits(alice, 10, reason="ten to race for", actor=None)

    results = _race(50, lambda i: spend(alice, 1))

    refused = [r for r in results if isinstance(r, services.BillingError)]
    succeeded = [r for r in results if isinstance(r, Generation)]
    assert len(succeeded) == 10
    assert len(refused) == 40
    assert {r.code for r in refused} == {"insufficient_credits"}
    assert all("not enough credits" in r.message.lower() for r in refused)
    assert services.get_balance(alice) == 0
    assert LedgerEntry.objects.filter(user=alice, kind=LedgerEntry.Kind.SPEND).count() == 10
    # A refused spend leaves no generation behind: it rolled back with its charge.
    assert Generation.objects.filter(owner=alice).count() == 10


def test_concurrent_spends_from_two_lots_never_overdraw_either():
    alice = make_user("alice@example.com", credits=0)
    services.grant_credits(alice, 3, reason="short-lived", actor=None, valid_months=1)
    services.grant_credits(alice, 4, reason="long-lived", actor=None, valid_months=6)

    results = _race(20, lambda i: spend(alice, 2))

    assert sum(isinstance(r, Generation) for r in results) == 3  # 7 credits, 2 each
    assert services.get_balance(alice) == 1
    assert services.find_ledger_problems() == {}


def test_a_client_retrying_with_the_same_idempotency_key_is_charged_once(monkeypatch):
    alice = make_user("alice@example.com")
    monkeypatch.setattr(generation_services, "enqueue_generation", lambda pk: None)

    results = _race(10, lambda i: generation_services.submit_generation(
        alice, prompt="a red circle", size=256, source=Generation.Source.API, n=4, idempotency_key="retry-1",
    ))

    assert all(isinstance(r, Generation) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert services.get_balance(alice) == 49
    assert LedgerEntry.objects.filter(user=alice, kind=LedgerEntry.Kind.SPEND).count() == 1


def test_grants_and_spends_racing_keep_every_credit():
    alice = make_user("alice@example.com", credits=0)
    services.grant_credits(alice, 5, reason="start", actor=None)

    def work(i):
        if i % 2:
            return services.grant_credits(alice, 1, reason=f"grant {i}", actor=None, idempotency_key=f"g{i}")
        return spend(alice, 1)

    results = _race(20, work)
    spent = sum(isinstance(r, Generation) for r in results)
    assert services.get_balance(alice) == 5 + 10 - spent
    assert timezone.now() + timedelta(days=300) < services.lot_balances(alice)[-1].lot.expires_at


def test_the_monthly_grant_run_twice_at_once_grants_once():
    from datetime import UTC, datetime

    carol = make_user("carol@example.com", credits=0)
    carol.email_verified_at = timezone.now() - timedelta(days=90)
    carol.save(update_fields=["email_verified_at"])
    when = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    results = _race(6, lambda i: services.grant_monthly_credits_to_all(now=when))
    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    assert LedgerEntry.objects.filter(user=carol, kind=LedgerEntry.Kind.MONTHLY_GRANT).count() == 1
