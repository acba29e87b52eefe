"""Operational figures: Prometheus metrics at /metrics and the numbers of the staff status page.

Everything is computed at scrape time from the database and the broker, not
counted in process memory: with two web replicas behind a proxy, any one of
them answers a scrape with the same, complete figures, and a restart loses
nothing. The histograms are cumulative over every generation still in the
database (a deleted account's rows leave them, which Prometheus reads as a
counter reset). The figures that need the broker (queue lengths, workers
online) are cached for a few seconds so a scrape stays cheap.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.exposition import generate_latest

from billing.models import LedgerEntry
from generation.models import Generation
from generation.services import error_messages
from moderation.models import Flag

log = logging.getLogger(__name__)

GPU_QUEUE = "gpu"
# Seconds. Waits run from instant (an idle worker) to many minutes (a backlog);
# a generation from a second (tiny model) to several minutes (1024² on a CPU).
WAIT_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
RUN_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
STAGE_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)
BROKER_CACHE_S = 10
BROKER_TIMEOUT_S = 1.0
_REASON_BY_MESSAGE = {message: code for code, message in error_messages.items()}


def failure_code(failure_reason: str) -> str:
    """The error code behind a stored, user-facing failure message ("other" if unknown)."""
    return _REASON_BY_MESSAGE.get(failure_reason, "other")


# --- The broker: queue lengths and workers online ----------------------------------


def broker_queue_names() -> list[str]:
    """The queues Easel's tasks are routed to, the GPU queue first."""
    names = [GPU_QUEUE]
    for route in settings.CELERY_TASK_ROUTES.values():
        queue = route.get("queue") if isinstance(route, dict) else None
        if queue and queue not in names:
            names.append(queue)
    if settings.CELERY_TASK_DEFAULT_QUEUE not in names:
        names.append(settings.CELERY_TASK_DEFAULT_QUEUE)
    return names


def _read_queue_lengths() -> dict[str, int]:
    from kombu.exceptions import ChannelError

    from webapp.celery import app

    lengths = {}
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        for name in broker_queue_names():
            # A fresh channel per queue: a failed passive declare may spoil the channel.
            channel = conn.channel()
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:
                # Redis drops an empty list's key: a queue never used, or drained, is empty.
                lengths[name] = 0
            finally:
                channel.close()
    return lengths


def _read_gpu_workers() -> int:
    from webapp.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        inspect = app.control.inspect(timeout=BROKER_TIMEOUT_S, connection=conn)
        replies = inspect.active_queues() or {}
    return sum(
        1 for queues in replies.values() if any(q.get("name") == GPU_QUEUE for q in queues or [])
    )


def gpu_workers_ready() -> list[dict] | None:
    """GPU worker processes that announced a loaded model (generation/readiness.py); None when Redis is away."""
    if settings.EASEL_TASKS_INPROCESS:
        return None
    from generation import readiness

    return _cached("easel:metrics:gpu-ready", readiness.ready_workers)


def _cached(key: str, read):
    """`read()`'s value, shared through the cache for BROKER_CACHE_S; None when it failed."""
    hit = cache.get(key)
    if hit is not None:
        return hit["value"]
    try:
        value = read()
    except Exception as e:  # noqa: BLE001 - a broker that is down is a figure, not a crash
        log.warning("metrics: %s unavailable: %s: %s", key, type(e).__name__, e)
        value = None
    cache.set(key, {"value": value}, BROKER_CACHE_S)
    return value


def broker_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each queue; None with in-process tasks or when the broker is down."""
    if settings.EASEL_TASKS_INPROCESS:
        return None
    return _cached("easel:metrics:queue-lengths", _read_queue_lengths)


def gpu_workers_online() -> int | None:
    """Celery workers consuming the gpu queue that answered within a second (cached briefly).

    None with in-process tasks (the web process is its own single worker) or
    when the broker could not be asked.
    """
    if settings.EASEL_TASKS_INPROCESS:
        return None
    return _cached("easel:metrics:gpu-workers", _read_gpu_workers)


# --- The database -------------------------------------------------------------------


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)  # cumulative, one per bucket, then +Inf
    total: int = 0
    sum_s: float = 0.0

    def prometheus_buckets(self) -> list[tuple[str, int]]:
        labels = [str(float(b)) for b in self.buckets] + ["+Inf"]
        return list(zip(labels, self.counts, strict=True))


def _grouped_histograms(
    queryset, value: str, buckets, by: str, *, bound=float, seconds=float
) -> dict[str, Histogram]:
    """Cumulative histograms of the field `value`, grouped by `by`, in one query.

    `bound` turns a bucket's seconds into the field's type for the comparison,
    `seconds` turns the field's sum back into seconds.
    """
    aggregates = {
        f"le{i}": Count("pk", filter=Q(**{f"{value}__lte": bound(b)})) for i, b in enumerate(buckets)
    }
    rows = queryset.values(by).annotate(n=Count("pk"), total=Sum(value), **aggregates).order_by(by)
    return {
        row[by]: Histogram(
            buckets=tuple(buckets),
            counts=[row[f"le{i}"] for i in range(len(buckets))] + [row["n"]],
            total=row["n"],
            sum_s=seconds(row["total"]) if row["total"] is not None else 0.0,
        )
        for row in rows
    }


def _histograms(queryset, start: str, end: str, buckets, by: str) -> dict[str, Histogram]:
    """Cumulative histograms of (end - start), grouped by a field, in one query."""
    durations = queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).annotate(
        duration=ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    )
    return _grouped_histograms(
        durations,
        "duration",
        buckets,
        by,
        bound=lambda b: timedelta(seconds=b),
        seconds=lambda total: total.total_seconds(),
    )


def wait_histograms() -> dict[str, Histogram]:
    """Time from the request to its latest claim by a worker, by mode: what its user waited.

    From created_at, not queued_at: a request sent again (its message lost, or
    its worker dead) restarts queued_at, but its user has been waiting all along.
    """
    return _histograms(Generation.objects.all(), "created_at", "started_at", WAIT_BUCKETS, "mode")


def stage_histograms() -> dict[str, Histogram]:
    """Seconds each model stage took (prior, decoder, super_res_256, super_res_1024), by stage."""
    from generation.models import GenerationStage

    return _grouped_histograms(GenerationStage.objects.all(), "seconds", STAGE_BUCKETS, "stage")


def run_histograms() -> dict[str, Histogram]:
    """Time from claim to stored images, for succeeded generations, by mode."""
    succeeded = Generation.objects.filter(status=Generation.Status.SUCCEEDED)
    return _histograms(succeeded, "started_at", "finished_at", RUN_BUCKETS, "mode")


def failures_by_reason(since: datetime | None = None) -> dict[str, int]:
    failed = Generation.objects.filter(status=Generation.Status.FAILED)
    if since is not None:
        failed = failed.filter(finished_at__gte=since)
    counts: dict[str, int] = {}
    for row in failed.values("failure_reason").annotate(n=Count("pk")):
        code = failure_code(row["failure_reason"])
        counts[code] = counts.get(code, 0) + row["n"]
    return counts


def extra_claims() -> int:
    """Claims beyond each generation's first: redeliveries after a worker died or lost its lease."""
    total = Generation.objects.filter(attempts__gt=1).aggregate(extra=Sum(F("attempts") - 1))[
        "extra"
    ]
    return total or 0


def generations_by_status() -> dict[str, int]:
    rows = Generation.objects.values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(Generation.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def credit_totals() -> dict[str, int]:
    """Credits spent on generations and refunded for failed ones, since the start."""
    totals = LedgerEntry.objects.aggregate(
        spent=Sum("amount", filter=Q(kind=LedgerEntry.Kind.SPEND)),
        refunded=Sum("amount", filter=Q(kind=LedgerEntry.Kind.REFUND)),
    )
    return {"spent": -(totals["spent"] or 0), "refunded": totals["refunded"] or 0}


def open_flags() -> dict[str, int]:
    rows = Flag.objects.filter(status=Flag.Status.OPEN).values("target").annotate(n=Count("pk"))
    counts = dict.fromkeys(Flag.Target.values, 0)
    counts.update({row["target"]: row["n"] for row in rows})
    return counts


def oldest_queued() -> datetime | None:
    oldest = (
        Generation.objects.filter(status=Generation.Status.QUEUED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return oldest


# --- Prometheus -----------------------------------------------------------------------


class EaselCollector:
    """Reads every figure afresh at each scrape (a prometheus_client custom collector)."""

    def describe(self):
        # Nothing to describe in advance: registering must not query the database.
        return []

    def collect(self):
        status_counts = generations_by_status()
        gauge = GaugeMetricFamily(
            "easel_generations_in_progress",
            "Generations waiting for a worker (queued) or being made (running), from the database.",
            labels=["status"],
        )
        for status in (Generation.Status.QUEUED, Generation.Status.RUNNING):
            gauge.add_metric([status], status_counts[status])
        yield gauge

        finished = CounterMetricFamily(
            "easel_generations_finished",
            "Generations that ended, by outcome.",
            labels=["status"],
        )
        for status in (Generation.Status.SUCCEEDED, Generation.Status.FAILED):
            finished.add_metric([status], status_counts[status])
        yield finished

        yield CounterMetricFamily(
            "easel_generation_extra_claims",
            "Claims beyond a generation's first: redeliveries after a worker died or its lease ran out.",
            value=extra_claims(),
        )

        oldest = oldest_queued()
        yield GaugeMetricFamily(
            "easel_oldest_queued_seconds",
            "Age of the generation that has waited longest for a worker (0 when none waits).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )

        failures = CounterMetricFamily(
            "easel_generation_failures",
            "Failed generations by reason (the error code of generation.services).",
            labels=["reason"],
        )
        for reason, n in sorted(failures_by_reason().items()):
            failures.add_metric([reason], n)
        yield failures

        for name, doc, histograms in (
            (
                "easel_generation_wait_seconds",
                "Time from the request to its (latest) claim by a GPU worker.",
                wait_histograms(),
            ),
            (
                "easel_generation_run_seconds",
                "Time from claim to stored images (all stages, the output check and the upload).",
                run_histograms(),
            ),
        ):
            family = HistogramMetricFamily(name, doc, labels=["mode"])
            for mode, h in histograms.items():
                family.add_metric([mode], h.prometheus_buckets(), sum_value=h.sum_s)
            yield family
        stages = HistogramMetricFamily(
            "easel_generation_stage_seconds",
            "Time one model stage took for a generation (a batch's requests each record the batch's time).",
            labels=["stage"],
        )
        for stage, h in stage_histograms().items():
            stages.add_metric([stage], h.prometheus_buckets(), sum_value=h.sum_s)
        yield stages

        credits = credit_totals()
        yield CounterMetricFamily(
            "easel_credits_spent", "Credits spent on generations.", value=credits["spent"]
        )
        yield CounterMetricFamily(
            "easel_credits_refunded",
            "Credits refunded for failed generations.",
            value=credits["refunded"],
        )

        flags = GaugeMetricFamily(
            "easel_moderation_flags_open",
            "Moderation flags waiting for a person's review.",
            labels=["target"],
        )
        for target, n in open_flags().items():
            flags.add_metric([target], n)
        yield flags

        yield GaugeMetricFamily(
            "easel_tasks_inprocess",
            "1 when tasks run in a thread of the web process (no broker, no separate workers).",
            value=1 if settings.EASEL_TASKS_INPROCESS else 0,
        )
        if settings.EASEL_TASKS_INPROCESS:
            return
        lengths = broker_queue_lengths()
        workers = gpu_workers_online()
        yield GaugeMetricFamily(
            "easel_broker_up",
            "1 when the broker answered the last look at its queues.",
            value=0 if lengths is None else 1,
        )
        if lengths is not None:
            depth = GaugeMetricFamily(
                "easel_queue_messages", "Task messages waiting in a broker queue.", labels=["queue"]
            )
            for queue, n in lengths.items():
                depth.add_metric([queue], n)
            yield depth
        if workers is not None:
            yield GaugeMetricFamily(
                "easel_gpu_workers",
                "Celery workers consuming the gpu queue that answered a ping.",
                value=workers,
            )
        ready = gpu_workers_ready()
        if ready is not None:
            yield GaugeMetricFamily(
                "easel_gpu_workers_ready",
                "GPU worker processes with their model loaded (announced, renewed within 90 s).",
                value=len(ready),
            )


def render_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EaselCollector())
    return generate_latest(registry)


def _bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _may_scrape(request) -> bool:
    token = _bearer_token(request)
    expected = settings.METRICS_TOKEN
    if token is not None and expected:
        return hmac.compare_digest(token.encode(), expected.encode())
    return request.user.is_authenticated and request.user.is_staff


@never_cache
@require_GET
def metrics(request):
    """The metrics for a Prometheus scraper (METRICS_TOKEN as a bearer token) or a staff member."""
    if not _may_scrape(request):
        signed_in = request.user.is_authenticated or _bearer_token(request) is not None
        response = HttpResponse(
            "Forbidden.\n" if signed_in else "Authentication required.\n",
            status=403 if signed_in else 401,
            content_type="text/plain; charset=utf-8",
        )
        if not signed_in:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
