"""The Celery app. GPU workers consume the `gpu` queue; everything else `default`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("easel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()



# --- A worker keeps its database connection from one task to the next. -------------
#
# The web settings open a connection per request (CONN_MAX_AGE 0: under ASGI,
# connections left on executor threads would never be closed). A worker's threads
# or processes are long-lived and run one task at a time, where a new connection
# per task (~8 ms to fork a PostgreSQL backend here: most of the time between a
# task starting and its generation being claimed) buys nothing. Celery's Django
# fixup closes every connection before and after every task unless
# CELERY_DB_REUSE_MAX is set (settings.py sets it out of reach); in its place,
# Django's own rule runs around each task: close a connection that failed, is in
# a broken state, or outlived WORKER_DB_CONN_MAX_AGE, and check a kept one before
# its first use.


def keep_connections(databases: dict, max_age: int) -> None:
    """Set every database entry to keep its connection `max_age` seconds, checked before reuse."""
    for database in databases.values():
        database["CONN_MAX_AGE"] = max_age
        database["CONN_HEALTH_CHECKS"] = True


@worker_init.connect
def _keep_database_connections(**kwargs) -> None:
    from django.conf import settings

    keep_connections(settings.DATABASES, settings.WORKER_DB_CONN_MAX_AGE)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    if sender is None or getattr(sender.request, "is_eager", False):
        return  # an eager task runs inside its caller's connection and transaction
    from django.db import close_old_connections

    close_old_connections()
