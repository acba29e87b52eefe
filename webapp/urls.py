from django.contrib import admin
from django.urls import include, path

from webapp.health import healthz
from webapp.metrics import metrics
from webapp.status import status

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("staff/status/", status, name="ops_status"),
    path("admin/", admin.site.urls),
    path("v1/", include("generation.api.urls")),
    path("accounts/", include("accounts.urls")),
    path("billing/", include("billing.urls")),
    path("moderation/", include("moderation.urls")),
    path("", include("generation.urls")),
]
