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
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.GENERATE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STUDIO)
    prompt = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=1024)
    n = models.PositiveSmallIntegerField(default=4)
    seed = models.BigIntegerField()
    credits_cost = models.PositiveIntegerField(default=1)
    input_image = models.CharField(max_length=300, blank=True)
    input_mask = models.CharField(max_length=300, blank=True)
    # The other end of an interpolation: a second image, or a text.
    input_image2 = models.CharField(max_length=300, blank=True)
    prompt2 = models.TextField(blank=True)
    # What the studio made this from: the image edited, varied or blended, and
    # for an outpainting frame the canvas and where the frame sat on it.
    parent_image = models.ForeignKey(
        "GeneratedImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived"
    )
    canvas = models.ForeignKey(
        "OutpaintCanvas", null=True, blank=True, on_delete=models.SET_NULL, related_name="frames"
    )
    frame_x = models.IntegerField(null=True, blank=True)
    frame_y = models.IntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    failure_reason = models.CharField(max_length=500, blank=True)
    progress_stage = models.CharField(max_length=32, blank=True)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    model_name = models.CharField(max_length=100, blank=True)
    # How many times a worker has claimed it (a redelivery after a crash claims again).
    attempts = models.PositiveSmallIntegerField(default=0)
    # The current claim: a worker owns a RUNNING row while its lease lasts and
    # renews it as it works. Whoever holds the token finishes the row; a worker
    # whose lease ran out (and was taken over) may neither store nor refund.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When it last went on the queue: the reaper sends it again if the broker lost it.
    queued_at = models.DateTimeField(default=timezone.now)
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
    # Picked among an edit's or an outpainting frame's candidates.
    kept = models.BooleanField(default=False)
    favourited_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A public link works while this is set; revoking clears it.
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["generation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "index"], name="image_unique_index")
        ]

    @property
    def owner_id(self) -> int:
        return self.generation.owner_id

    @property
    def is_favourite(self) -> bool:
        return self.favourited_at is not None


class Collection(models.Model):
    """A named set of a user's images; a public one has a page anyone can open."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    title = models.CharField(max_length=100)
    is_public = models.BooleanField(default=False)
    images = models.ManyToManyField(
        GeneratedImage, through="CollectionItem", related_name="collections"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    image = models.ForeignKey(
        GeneratedImage, on_delete=models.CASCADE, related_name="collection_items"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "image"], name="collection_unique_image")
        ]


class OutpaintCanvas(models.Model):
    """A growing picture for outpainting, kept server-side so a reload loses nothing.

    The composed RGBA PNG (transparent where nothing is painted yet) lives in
    storage. Frames are placed in fixed "world" coordinates; the stored PNG's
    top-left corner sits at (origin_x, origin_y) of that world, so growing the
    canvas to the left or upwards moves the origin and never the frames.
    """

    FRAME = 1024  # the generation frame, in canvas pixels
    MAX_SIDE = 8192

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="canvases"
    )
    source_image = models.ForeignKey(
        GeneratedImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="canvases"
    )
    storage_key = models.CharField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    origin_x = models.IntegerField(default=0)
    origin_y = models.IntegerField(default=0)
    # The size each frame is generated at (the frame is scaled to FRAME on the canvas).
    gen_size = models.PositiveIntegerField(default=1024)
    version = models.PositiveIntegerField(default=1)
    prompt = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]


class GenerationStage(models.Model):
    """Seconds one stage of the model took for one generation (prior, decoder, upsamplers).

    Written by the GPU worker when the model returns; `/metrics` reads them as
    a histogram per stage. A batch's stages are shared time: each request in
    it records the batch's seconds.
    """

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="stage_times")
    stage = models.CharField(max_length=32)
    seconds = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["stage", "created_at"])]
