"""Celery tasks of the generation app, and the one bridge to the model package.

Nothing else in the Django project imports `gpu_worker`'s torch side.

A generation runs in two halves on two queues, so the GPU never waits for
CPU-side work: `run_generation` (queue `gpu`) claims the row and runs the
model, then hands the PNGs and its claim to `finish_generation` (queue
`cpu`), which checks the outputs (moderation), signs, uploads and finishes
the row. The claim's token travels with the images: only its holder can
finish, so a redelivered or duplicated half changes nothing twice. In the
embedded default (no broker) both halves run one after the other in the
web process's background thread.
"""

from __future__ import annotations

import base64
import logging

from celery import shared_task
from celery.signals import (
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError

from generation import dispatch, services
from generation.models import Generation
from gpu_worker.interface import GenerationResult

log = logging.getLogger(__name__)


# How many leases a claim gets while its images wait for a CPU worker. Past that
# the reaper assumes the hand-over was lost and runs the request again.
HANDOVER_LEASES = 4


def _run_model(request, progress=None):
    # Imported here, not at module level, so the web process never loads torch.
    from gpu_worker.interface import generate

    return generate(request, progress=progress)


# --- GPU workers load their model before their first task (generation/readiness.py).


@worker_process_init.connect
def _load_model_in_pool_process(**_kwargs) -> None:
    """Prefork pool: the process that will run the tasks loads the model (CUDA after the fork)."""
    from generation import readiness
    from webapp.celery import app

    if readiness.consumes_gpu_queue(app):
        readiness.load_and_announce()


@worker_ready.connect
def _load_model_in_solo_worker(sender=None, **_kwargs) -> None:
    """Solo and thread pools run tasks in the main process, where no pool process starts."""
    from celery.concurrency.prefork import TaskPool as PreforkPool

    from generation import readiness

    pool = getattr(sender, "pool", None)
    if pool is not None and not isinstance(pool, PreforkPool) and readiness.consumes_gpu_queue(sender.app):
        readiness.load_and_announce()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _withdraw_readiness(**_kwargs) -> None:
    from generation import readiness

    readiness.withdraw()


def _finish_elsewhere() -> bool:
    """True when a CPU worker takes the second half (a broker, not the embedded thread)."""
    from webapp.celery import app

    return not settings.EASEL_TASKS_INPROCESS and not app.conf.task_always_eager


def _run_model_batch(requests, progress=None):
    from gpu_worker.interface import generate_batch

    return generate_batch(requests, progress=progress)


@shared_task(name="generation.tasks.run_generation", acks_late=True, ignore_result=True)
def run_generation(generation_id: int) -> str:
    """The GPU half: claim and run the model, then hand the images to the `cpu` queue.

    Queued requests of the same shape may join as one batch (generation/batching.py),
    each on its own claim. Safe to deliver twice: claiming is conditional, and a row
    another worker holds (or that is finished) is skipped.
    """
    from generation import batching

    ran = batching.run_claimed_batch(generation_id, _run_model, _run_model_batch)
    if isinstance(ran, str):
        return ran
    return [_hand_over(claim, result) for claim, result in ran][0]


def _hand_over(claim: services.Claim, result: GenerationResult) -> str:
    """Send one claimed result to the cpu queue (or finish it here without a broker)."""
    if not _finish_elsewhere():
        return services.complete_generation(claim, result)
    generation_id = claim.generation.pk
    try:
        # Nobody renews the lease while the images wait on the cpu queue: give it room.
        claim.renew(progress_stage="handed over", leases=HANDOVER_LEASES)
    except services.LeaseLost:
        return "skipped"
    try:
        finish_generation.apply_async(
            args=[
                generation_id,
                claim.token,
                result.model,
                result.seconds,
                [base64.b64encode(png).decode("ascii") for png in result.images],
            ],
            queue="cpu",
            retry=True,
            retry_policy=dispatch.PUBLISH_RETRY_POLICY,
        )
    except (BrokerError, OSError):
        # No broker to hand over to: finish here rather than lose the GPU's work.
        log.warning(
            "generation %s: could not reach the cpu queue; finishing on this worker", generation_id
        )
        return services.complete_generation(claim, result)
    return "handed over"


@shared_task(name="generation.tasks.finish_generation", acks_late=True, ignore_result=True)
def finish_generation(
    generation_id: int, token: str, model: str, seconds: float, images_b64: list[str]
) -> str:
    """The CPU half: check, sign, upload and finish — on the claim the GPU half made.

    A claim lost meanwhile (the lease ran out and the request went back to the
    queue) finishes nothing: the upload is undone and the next claim's result
    counts. A redelivery after a crash sweeps up the copies the first try left.
    """
    generation = Generation.objects.filter(pk=generation_id, claim_token=token).first()
    if generation is None:
        return "skipped"
    claim = services.Claim(generation, token)
    try:
        # This process now keeps the claim alive (and is the one to look for if it dies).
        claim.renew(claimed_by=services.worker_name())
    except services.LeaseLost:
        return "skipped"
    result = GenerationResult(
        images=[base64.b64decode(png) for png in images_b64], model=model, seconds=seconds
    )
    return services.complete_generation(claim, result, sweep=True)


@shared_task(name="generation.tasks.reap_stale_generations", ignore_result=True)
def reap_stale_generations() -> int:
    """Run by beat every minute: requeue stale claims; fail and refund what is past saving."""
    return services.reap_stale_generations()
