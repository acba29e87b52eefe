"""Cross-request batching on a GPU worker: several queued requests of one shape, one model call.

A worker that claims a text-to-image generation also claims the oldest other
QUEUED generations with the same `batch_key` (mode, size, sampling options),
up to `GENERATION_BATCH_MAX_IMAGES` images in all, and runs them through
`gpu_worker.interface.generate_batch`. Measured on the 2-core CPU with the
bundled model, four one-image requests ran 2.7x faster as one batch
(`python -m gpu_worker.bench batching`, docs/benchmarks.md).

Claiming a companion is the same conditional update as claiming one's own
row, so two workers never take the same request. The companion's own task
message, delivered later, finds the row running (or done) and skips it; if
this worker dies, the companions' leases run out and the reaper returns
them to the queue like any other stale claim. Each request is finished (or
failed and refunded) on its own claim, exactly as if it had run alone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F

from generation import services
from generation.models import Generation
from gpu_worker.interface import GenerationRequest, GenerationResult, batch_key

log = logging.getLogger(__name__)

# What `gpu_worker.engine` accepts in one batch.
ENGINE_MAX_BATCH_IMAGES = 16


def batch_limit() -> int:
    """The most images one batch may hold; 1 or less turns batching off."""
    return min(int(getattr(settings, "GENERATION_BATCH_MAX_IMAGES", 0) or 0), ENGINE_MAX_BATCH_IMAGES)


def _claim_companions(primary: services.Claim, request: GenerationRequest, room: int) -> list[tuple[services.Claim, GenerationRequest]]:
    """Claim the oldest queued generations that can share `primary`'s batch, up to `room` more images."""
    key = batch_key(request)
    if key is None or room <= 0:
        return []
    generation = primary.generation
    candidates = (
        Generation.objects.filter(
            status=Generation.Status.QUEUED,
            mode=Generation.Mode.GENERATE,
            size=generation.size,
            n__lte=room,
            attempts__lt=settings.GENERATION_MAX_ATTEMPTS,
        )
        .exclude(pk=generation.pk)
        .order_by("queued_at", "pk")
        .values_list("pk", "n")[: room * 2]
    )
    taken: list[tuple[services.Claim, GenerationRequest]] = []
    for pk, n in candidates:
        if n > room:
            continue
        claim = services.claim_generation(pk)
        if claim is None:  # another worker was quicker
            continue
        try:
            companion = services.build_request(claim.generation)
        except Exception:  # noqa: BLE001 - a request we cannot read runs alone, later
            _release(claim)
            continue
        if batch_key(companion) != key:
            _release(claim)
            continue
        taken.append((claim, companion))
        room -= n
        if room <= 0:
            break
    return taken


def _release(claim: services.Claim) -> None:
    """Give a companion back to the queue untouched: it keeps its attempt and is sent again."""
    returned = claim.rows().update(
        status=Generation.Status.QUEUED, claim_token="", claimed_by="", lease_expires_at=None,
        attempts=F("attempts") - 1, progress_stage="", progress_step=0, progress_total=0,
    )
    if returned:
        services.enqueue_generation(claim.generation.pk)


def _fan_out(primary: services.Claim, companions: list[services.Claim]):
    """One progress callback for the batch: renews every claim; only losing the primary's stops it."""

    def progress(stage: str, step: int, total: int) -> None:
        primary.progress(stage, step, total)
        for claim in companions:
            if not claim.lost:
                try:
                    claim.progress(stage, step, total)
                except services.LeaseLost:
                    pass  # its result will not be stored: finishing checks the claim

    return progress


def run_claimed_batch(generation_id: int, runner, batch_runner) -> list[tuple[services.Claim, GenerationResult]] | str:
    """Claim `generation_id` and, when it can share, more queued requests; run them; return (claim, result) pairs.

    Like `services.run_claimed`, but for a batch: returns the final status
    ("skipped" or "failed") when there is nothing to finish.
    """
    limit = batch_limit()
    if limit <= 1:
        ran = services.run_claimed(generation_id, runner)
        return ran if isinstance(ran, str) else [ran]
    primary = services.claim_generation(generation_id)
    if primary is None:
        return "skipped"
    try:
        request = services.build_request(primary.generation)
    except services.storage.StorageError as e:
        return services.fail_claimed(primary, "storage_failed", detail=str(e))
    companions = _claim_companions(primary, request, limit - request.n)
    if not companions:
        try:
            result = runner(request, progress=primary.progress)
        except Exception as e:  # noqa: BLE001 - the same handling as a request run alone
            return services.fail_after_model_error(primary, e)
        services.record_stage_times(primary)
        return [(primary, result)]

    claims = [primary] + [c for c, _ in companions]
    requests = [request] + [r for _, r in companions]
    log.info("generation %s: running with %d queued companions as one batch of %d images",
             primary.generation.pk, len(companions), sum(r.n for r in requests))
    try:
        results = batch_runner(requests, progress=_fan_out(primary, claims[1:]))
    except Exception as e:  # noqa: BLE001 - every request of the batch fails alike, refunded
        if services.lost_to_another(primary, e):
            for claim in claims[1:]:
                _release(claim)
            return "skipped"
        statuses = [services.fail_after_model_error(claim, e) for claim in claims]
        return statuses[0]  # the primary's
    for claim in claims:
        services.record_stage_times(claim)
    return list(zip(claims, results, strict=True))


def process_batch(generation_id: int, runner, batch_runner) -> str:
    """Run a queued generation (and any companions) to the end; returns the primary's final status."""
    ran = run_claimed_batch(generation_id, runner, batch_runner)
    if isinstance(ran, str):
        return ran
    statuses = [services.complete_generation(claim, result) for claim, result in ran]
    return statuses[0]
