"""How web and worker processes are set up: the frozen heap, and workers' kept database connections."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest


def test_the_web_process_freezes_its_heap_after_its_first_and_hundredth_request(monkeypatch):
    from webapp import asgi

    assert gc.get_freeze_count() > 0  # frozen once at import, after the caches that need no database
    assert gc.get_threshold() == asgi.GC_THRESHOLDS
    freezes = []
    monkeypatch.setattr(asgi.gc, "freeze", lambda: freezes.append(True))

    served = []

    async def app(scope, receive, send):
        served.append(scope["type"])

    def call(scope):
        # Driven by hand, not asyncio.run: the browser tests' Playwright may keep an
        # event loop running on this thread. The stand-in app never suspends.
        coroutine = wrapped(scope, None, None)
        with pytest.raises(StopIteration):
            coroutine.send(None)

    wrapped = asgi.FrozenHeapApplication(app)
    for _ in range(150):
        call({"type": "http"})
    call({"type": "lifespan"})
    assert len(served) == 151
    assert len(freezes) == len(asgi.FREEZE_AFTER_REQUESTS) == 2


def test_a_worker_keeps_its_database_connection_between_tasks():
    from celery.signals import worker_init

    from webapp.celery import _keep_database_connections, app, keep_connections

    assert any(r() is _keep_database_connections for _, r in worker_init.receivers)
    databases = {"default": {"CONN_MAX_AGE": 0}, "other": {"CONN_MAX_AGE": 0}}
    keep_connections(databases, 123)
    assert all(d["CONN_MAX_AGE"] == 123 and d["CONN_HEALTH_CHECKS"] for d in databases.values())
    # Celery's own fixup would close every connection around every task otherwise.
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 10**9


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_connection_and_transaction_alone(monkeypatch):
    from django.db import transaction

    from webapp import celery as celery_module

    closed = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: closed.append(True))
    with transaction.atomic():
        celery_module._close_old_connections(sender=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert closed == []
    celery_module._close_old_connections(sender=SimpleNamespace(request=SimpleNamespace(is_eager=False)))
    assert closed == [True]
