from __future__ import annotations

from django.conf import settings
from django.db import models


class Flag(models.Model):
    """A refusal or a borderline case, kept for people to review."""

    class Target(models.TextChoices):
        PROMPT = "prompt", "Prompt"
        UPLOAD = "upload", "Upload"
        OUTPUT = "output", "Output"
        REPORT = "report", "User report"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="flags")
    target = models.CharField(max_length=16, choices=Target.choices)
    category = models.CharField(max_length=32)
    text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    generation = models.ForeignKey(
        "generation.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
