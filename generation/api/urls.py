from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from generation.api import views

app_name = "api"

urlpatterns = [
    path("images/generations", views.generations, name="generations"),
    path("images/edits", views.edits, name="edits"),
    path("images/variations", views.variations, name="variations"),
    path("models", views.ModelListView.as_view(), name="models"),
    path("models/<str:model>", views.ModelView.as_view(), name="model"),
    path(
        "openapi.json",
        SpectacularAPIView.as_view(
            urlconf="generation.api.urls",
            custom_settings={
                "TITLE": "Easel Images API",
                "DESCRIPTION": "OpenAI's Images API for dall-e-2: point an OpenAI client's base_url here.",
                "VERSION": "1",
                "SERVERS": [{"url": "/v1"}],
                "COMPONENT_SPLIT_REQUEST": True,
                "POSTPROCESSING_HOOKS": [
                    "drf_spectacular.hooks.postprocess_schema_enums",
                    "generation.api.schema.forbid_unknown_parameters",
                ],
            },
        ),
        {"format": "json"},
        name="openapi",
    ),
]
