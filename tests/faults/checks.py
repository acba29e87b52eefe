"""What every fault test asserts at the end: each request settled exactly once, nothing lost."""

from __future__ import annotations

import time
from collections import Counter

from django.core.management import call_command

from billing.models import LedgerEntry
from billing.services import find_ledger_problems, get_balance
from generation import services
from generation.lib import storage
from generation.models import GeneratedImage, Generation
from tests.faults.conftest import wait_for


def settle(generations: list[Generation], timeout: float, *, reap_every: float = 0.5) -> None:
    """Run the reaper (as beat would) until every generation has finished."""
    pks = [g.pk for g in generations]
    open_statuses = [Generation.Status.QUEUED, Generation.Status.RUNNING]
    last = 0.0

    def done():
        nonlocal last
        if time.monotonic() - last >= reap_every:
            services.reap_stale_generations()
            last = time.monotonic()
        return not Generation.objects.filter(pk__in=pks, status__in=open_statuses).exists()

    try:
        wait_for(done, timeout, "every generation to finish", interval=0.1)
    except AssertionError:
        stuck = list(
            Generation.objects.filter(pk__in=pks, status__in=open_statuses).values(
                "pk",
                "status",
                "attempts",
                "progress_stage",
                "claimed_by",
                "lease_expires_at",
                "queued_at",
            )
        )
        raise AssertionError(f"still open: {stuck}") from None


def assert_each_settled_once(generations: list[Generation], s3) -> Counter:
    """SUCCEEDED with its n images stored once and paid, or FAILED, refunded once, nothing stored.

    Returns how many ended each way.
    """
    outcomes: Counter = Counter()
    for generation in generations:
        generation.refresh_from_db()
        refunds = LedgerEntry.objects.filter(
            generation=generation, kind=LedgerEntry.Kind.REFUND
        ).count()
        spends = LedgerEntry.objects.filter(
            generation=generation, kind=LedgerEntry.Kind.SPEND
        ).count()
        images = list(GeneratedImage.objects.filter(generation=generation).order_by("index"))
        prefix = (
            storage.image_key(generation.owner_id, generation.public_id, 0).rsplit("/", 1)[0] + "/"
        )
        stored = s3.keys(prefix)
        where = f"generation {generation.pk} ({generation.status}, {generation.attempts} attempts)"
        assert spends == 1, f"{where}: charged {spends} times"
        if generation.status == Generation.Status.SUCCEEDED:
            assert refunds == 0, f"{where}: succeeded and refunded"
            assert [im.index for im in images] == list(range(generation.n)), (
                f"{where}: images {images}"
            )
            # No duplicate and no leftover: exactly the recorded images are in the bucket.
            assert stored == {im.storage_key for im in images}, f"{where}: bucket {stored}"
        else:
            assert generation.status == Generation.Status.FAILED, where
            assert refunds == 1, f"{where}: refunded {refunds} times"
            assert not images and not stored, f"{where}: failed but kept {images} / {stored}"
        outcomes[generation.status] += 1
    return outcomes


def assert_ledger_clean(users) -> None:
    assert not find_ledger_problems()
    call_command("check_ledger")
    for user in users:
        succeeded = Generation.objects.filter(owner=user, status=Generation.Status.SUCCEEDED)
        paid = sum(g.credits_cost for g in succeeded)
        assert get_balance(user) == 50 - paid, (
            f"{user.email}: balance {get_balance(user)}, paid {paid}"
        )
    assert not Generation.objects.filter(status=Generation.Status.RUNNING).exists()
