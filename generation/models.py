from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Generation(models.Model):
    """One request for images: a prompt, an edit, a variation or an interpolation."""

    class Mode(models.TextChoices):
        GENERATE = "generate", "Text to image"
        EDIT = "edit", "Edit"
        VARIATION = "variation", "Variations"
        INTERPOLATE = "interpolate", "Interpolation"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        STUDIO = "studio", "Studio"
        API = "api", "API"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.GENERATE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STUDIO)
    prompt = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=1024)
    n = models.PositiveSmallIntegerField(default=4)
    seed = models.BigIntegerField()
    credits_cost = models.PositiveIntegerField(default=1)
    input_image = models.CharField(max_length=300, blank=True)
    input_mask = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    progress_stage = models.CharField(max_length=32, blank=True)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    model_name = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="generation_unique_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mode} {self.public_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    def visible_images(self):
        return self.images.filter(hidden=False).order_by("index")


class GeneratedImage(models.Model):
    """One stored PNG of a generation. The file lives in the private bucket."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="images")
    index = models.PositiveSmallIntegerField()
    storage_key = models.CharField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["generation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "index"], name="image_unique_index")
        ]
