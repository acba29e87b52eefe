"""The Celery app. GPU workers consume the `gpu` queue; everything else `default`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("easel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
