"""GET /staff/status/: the figures of /metrics, for people (staff only)."""

from __future__ import annotations

from datetime import timedelta
from statistics import quantiles

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billing.models import LedgerEntry
from generation.models import Generation
from webapp import metrics
from webapp.health import is_healthy, run_checks

RECENT = timedelta(hours=1)
# The p50/p95 of the last hour come from at most this many rows, newest first.
SAMPLE = 2000


def human_seconds(seconds: float) -> str:
    """1.2 s, 45 s, 3 min 5 s, 2 h 10 min: how long, for people."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _percentiles(seconds: list[float]) -> dict | None:
    if not seconds:
        return None
    if len(seconds) == 1:
        p50 = p95 = seconds[0]
    else:
        cuts = quantiles(seconds, n=100, method="inclusive")
        p50, p95 = cuts[49], cuts[94]
    return {"p50": human_seconds(p50), "p95": human_seconds(p95), "n": len(seconds)}


def _recent_durations(since, start: str, end: str, **filters) -> list[float]:
    rows = (
        Generation.objects.filter(
            **{f"{end}__gte": since, f"{start}__isnull": False, f"{end}__isnull": False}, **filters
        )
        .order_by(f"-{end}")
        .values_list(start, end)[:SAMPLE]
    )
    return [(b - a).total_seconds() for a, b in rows]


def _recent_stage_times(since) -> list[tuple[str, dict]]:
    """Median and p95 seconds of each model stage over the last hour, in the cascade's order."""
    from generation.models import GenerationStage

    by_stage: dict[str, list[float]] = {}
    for stage, seconds in (
        GenerationStage.objects.filter(created_at__gte=since).order_by("-created_at").values_list("stage", "seconds")[: SAMPLE * 4]
    ):
        by_stage.setdefault(stage, []).append(seconds)
    order = {"prior": 0, "decoder": 1, "super_res_256": 2, "super_res_1024": 3}
    return [(stage, _percentiles(times)) for stage, times in sorted(by_stage.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))]


def status_figures(now=None) -> dict:
    now = now or timezone.now()
    since = now - RECENT
    by_status = metrics.generations_by_status()
    oldest = metrics.oldest_queued()
    finished = Generation.objects.filter(finished_at__gte=since)
    outcomes = dict(finished.values_list("status").annotate(n=Count("pk")))
    images = (
        finished.filter(status=Generation.Status.SUCCEEDED)
        .aggregate(images=Count("images"))
        .get("images")
    )
    checks = run_checks()
    return {
        "now": now,
        "queued": by_status[Generation.Status.QUEUED],
        "running": by_status[Generation.Status.RUNNING],
        "oldest_queued": human_seconds((now - oldest).total_seconds()) if oldest else None,
        "oldest_queued_at": oldest,
        "succeeded_last_hour": outcomes.get(Generation.Status.SUCCEEDED, 0),
        "failed_last_hour": outcomes.get(Generation.Status.FAILED, 0),
        "images_last_hour": images or 0,
        "failures_last_hour": sorted(
            metrics.failures_by_reason(since).items(), key=lambda kv: (-kv[1], kv[0])
        ),
        "wait": _percentiles(_recent_durations(since, "created_at", "started_at")),
        "run": _percentiles(
            _recent_durations(
                since, "started_at", "finished_at", status=Generation.Status.SUCCEEDED
            )
        ),
        "stages": _recent_stage_times(since),
        "inprocess": settings.EASEL_TASKS_INPROCESS,
        "queue_lengths": metrics.broker_queue_lengths(),
        "gpu_workers": metrics.gpu_workers_online(),
        "gpu_ready": metrics.gpu_workers_ready(),
        "open_flags": sum(metrics.open_flags().values()),
        "credits_spent_last_hour": -(
            LedgerEntry.objects.filter(
                kind=LedgerEntry.Kind.SPEND, created_at__gte=since
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        ),
        "checks": checks,
        "healthy": is_healthy(checks),
    }


@never_cache
@require_GET
@login_required
def status(request):
    if not request.user.is_staff:
        raise PermissionDenied
    return render(request, "ops/status.html", status_figures())
