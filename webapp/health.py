"""GET /healthz: the state of the database, the broker and the storage, as JSON."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as e:  # noqa: BLE001 - any failure means "down"
        return f"error: {type(e).__name__}"


def _check_broker() -> str:
    if settings.EASEL_TASKS_INPROCESS:
        return "in-process"
    try:
        from webapp.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as e:  # noqa: BLE001
        return f"error: {type(e).__name__}"


def _check_storage() -> str:
    try:
        default_storage.exists("healthz-probe")
        return "ok"
    except Exception as e:  # noqa: BLE001
        return f"error: {type(e).__name__}"


def run_checks() -> dict[str, str]:
    """Each dependency's state: "ok", "in-process" (no broker needed) or "error: <type>"."""
    return {
        "database": _check_database(),
        "broker": _check_broker(),
        "storage": _check_storage(),
    }


def is_healthy(checks: dict[str, str]) -> bool:
    return all(v in ("ok", "in-process") for v in checks.values())


@require_GET
def healthz(request):
    checks = run_checks()
    healthy = is_healthy(checks)
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
