"""Celery tasks of the generation app, and the one bridge to the model package.

Nothing else in the Django project imports `gpu_worker`'s torch side.
"""

from __future__ import annotations

from celery import shared_task

from generation import services


def _run_model(request, progress=None):
    # Imported here, not at module level, so the web process never loads torch.
    from gpu_worker.interface import generate

    return generate(request, progress=progress)


@shared_task(name="generation.tasks.run_generation", acks_late=True, ignore_result=True)
def run_generation(generation_id: int) -> str:
    """Claim, run and finish one generation. Safe to deliver twice."""
    return services.process_generation(generation_id, _run_model)


@shared_task(name="generation.tasks.reap_stale_generations", ignore_result=True)
def reap_stale_generations() -> int:
    """Run by beat every minute: fail and refund generations stuck past their time limit."""
    return services.reap_stale_generations()
