"""Generation services: accepting a request, running it, and finishing it.

`submit_generation` is called by the studio, the API and tests alike. It
checks the account and the prompt, reserves credits and creates the row in
one transaction, and enqueues the GPU task after commit. `process_generation`
is what the GPU task runs: claim, generate, store, finish — with every
failure recorded and the credits refunded.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from billing import services as billing
from generation.lib import events, provenance, storage
from generation.models import GeneratedImage, Generation
from gpu_worker.errors import GenerationError as WorkerError
from gpu_worker.interface import GenerationRequest, GenerationResult
from moderation import services as moderation

log = logging.getLogger(__name__)

SIZES = (256, 512, 1024)

error_messages = {
    "account": "This account cannot generate images right now.",
    "prompt_required": "Please describe the image you want.",
    "image_required": "Please choose an image.",
    "storage_unavailable": "We could not save your image right now. Please try again in a moment.",
    "prompt_too_long": "The prompt is too long: at most {limit} characters.",
    "invalid_size": "The size must be 256x256, 512x512 or 1024x1024.",
    "invalid_n": "The number of images must be between 1 and 10.",
    "insufficient_credits": "You don't have enough credits for this request.",
    "content_policy": "This request was refused by our content policy.",
    "worker_failed": "Something went wrong while making your images. Your credit was refunded.",
    "storage_failed": "We could not store your images. Your credit was refunded.",
    "timed_out": "Your images took too long to make. Your credit was refunded.",
}


class SubmitError(Exception):
    """A request refused before anything was charged or queued."""

    def __init__(self, code: str, message: str | None = None, *, param: str | None = None):
        self.code = code
        self.message = message or error_messages[code]
        self.param = param
        super().__init__(self.message)


@dataclass(frozen=True)
class StudioLimits:
    prompt_max: int


def generation_cost(mode: str, n: int, *, source: str) -> int:
    """Credits for a request: 1 per studio request; ceil(n/4) or ceil(n/3) via the API."""
    if source == Generation.Source.STUDIO:
        return 1
    per_credit = 4 if mode == Generation.Mode.GENERATE else 3
    return math.ceil(n / per_credit)


def submit_generation(
    user,
    *,
    prompt: str = "",
    mode: str = Generation.Mode.GENERATE,
    image: bytes | None = None,
    mask: bytes | None = None,
    size: int = 1024,
    n: int = 4,
    source: str = Generation.Source.STUDIO,
    seed: int | None = None,
    prompt_max: int | None = None,
    idempotency_key: str | None = None,
    image2: bytes | None = None,
    prompt2: str = "",
    links: dict | None = None,
) -> Generation:
    """Accept a request: check, charge and enqueue it, or raise SubmitError.

    `image` and `mask` are PNG bytes that the caller has already validated
    (moderation.check_upload); they are stored before the transaction and
    removed again if it does not commit. `image2`/`prompt2` are the other end
    of an interpolation; `links` sets the studio's links on the row
    (`parent_image`, `canvas`, `frame_x`, `frame_y`).
    """
    refusal = user.generation_refusal()
    if refusal:
        raise SubmitError("account", refusal)
    prompt = (prompt or "").strip()
    limit = prompt_max or (settings.STUDIO_PROMPT_MAX if source == Generation.Source.STUDIO else 1000)
    needs_prompt = mode in (Generation.Mode.GENERATE, Generation.Mode.EDIT)
    if needs_prompt and not prompt:
        raise SubmitError("prompt_required", param="prompt")
    if mode != Generation.Mode.GENERATE and image is None:
        raise SubmitError("image_required", param="image")
    prompt2 = (prompt2 or "").strip()
    if mode == Generation.Mode.INTERPOLATE and image2 is None and not prompt2:
        raise SubmitError("image_required", param="image2")
    if len(prompt2) > limit:
        raise SubmitError("prompt_too_long", error_messages["prompt_too_long"].format(limit=limit), param="prompt2")
    if len(prompt) > limit:
        raise SubmitError("prompt_too_long", error_messages["prompt_too_long"].format(limit=limit), param="prompt")
    if size not in SIZES:
        raise SubmitError("invalid_size", param="size")
    if not 1 <= n <= 10:
        raise SubmitError("invalid_n", param="n")

    if idempotency_key:
        existing = Generation.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        if existing:
            return existing

    for param, text in (("prompt", prompt), ("prompt2", prompt2)):
        verdict = moderation.check_prompt(text) if text else moderation.Verdict(True)
        if not verdict.allowed:
            moderation.record_refusal(user, verdict, target="prompt", text=text)
            raise SubmitError("content_policy", verdict.message, param=param)

    public_id = uuid.uuid4()
    input_keys: dict[str, str] = {}
    try:
        if image is not None:
            input_keys["input_image"] = storage.save_bytes(storage.input_key(user.pk, public_id, "image"), image)
        if mask is not None:
            input_keys["input_mask"] = storage.save_bytes(storage.input_key(user.pk, public_id, "mask"), mask)
        if image2 is not None:
            input_keys["input_image2"] = storage.save_bytes(storage.input_key(user.pk, public_id, "image2"), image2)
    except storage.StorageError as e:
        storage.delete_quietly(list(input_keys.values()))
        raise SubmitError("storage_unavailable") from e

    committed = False
    try:
        with transaction.atomic():
            generation = Generation.objects.create(
                public_id=public_id,
                **input_keys,
                owner=user,
                mode=mode,
                source=source,
                prompt=prompt,
                prompt2=prompt2,
                **(links or {}),
                size=size,
                n=n,
                seed=seed if seed is not None else secrets.randbelow(2**31),
                credits_cost=generation_cost(mode, n, source=source),
                idempotency_key=idempotency_key,
            )
            try:
                billing.charge_generation(generation)
            except billing.BillingError as e:
                raise SubmitError("insufficient_credits", e.message) from e
            transaction.on_commit(lambda: enqueue_generation(generation.pk))
        committed = True
    except IntegrityError:
        # A concurrent retry with the same idempotency key created it first.
        if idempotency_key:
            return Generation.objects.get(owner=user, idempotency_key=idempotency_key)
        raise
    finally:
        if not committed:
            # Nothing was accepted, so nothing may be left behind in the bucket.
            storage.delete_quietly(list(input_keys.values()))
    return generation


def enqueue_generation(generation_id: int) -> None:
    from generation import dispatch

    dispatch.enqueue(generation_id)


# --- Running a generation (called by the GPU task) --------------------------------

Runner = Callable[..., GenerationResult]


def _claim(generation_id: int) -> Generation | None:
    """Move QUEUED → RUNNING. None when the row is gone or someone else has it."""
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING, started_at=timezone.now(), progress_stage="starting"
    )
    if not claimed:
        return None
    gen = Generation.objects.get(pk=generation_id)
    Generation.objects.filter(pk=generation_id).update(attempts=gen.attempts + 1)
    return gen


def fail_generation(generation: Generation, code: str, *, detail: str = "") -> None:
    """Record a failure (once) and refund the request's credits."""
    with transaction.atomic():
        changed = Generation.objects.filter(
            pk=generation.pk, status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING]
        ).update(
            status=Generation.Status.FAILED,
            failure_reason=error_messages.get(code, code),
            finished_at=timezone.now(),
        )
        if changed:
            billing.refund_generation(generation, reason=f"Refund: {code}")
            transaction.on_commit(lambda: events.publish_finished(generation.public_id, "failed"))
    if detail:
        log.warning("generation %s failed (%s): %s", generation.pk, code, detail)


def _build_request(generation: Generation) -> GenerationRequest:
    image = storage.read_bytes(generation.input_image) if generation.input_image else None
    mask = storage.read_bytes(generation.input_mask) if generation.input_mask else None
    image2 = storage.read_bytes(generation.input_image2) if generation.input_image2 else None
    return GenerationRequest(
        mode=generation.mode,
        prompt=generation.prompt,
        size=generation.size,
        n=generation.n,
        seed=generation.seed,
        image=image,
        mask=mask,
        image2=image2,
        prompt2=generation.prompt2,
    )


def _progress_recorder(generation_id: int) -> Callable[[str, int, int], None]:
    last = {"t": 0.0, "stage": ""}

    def record(stage: str, step: int, total: int) -> None:
        now = time.monotonic()
        # At most a few writes a second: progress is for people, not for the database.
        if stage == last["stage"] and now - last["t"] < 0.5 and step < total:
            return
        last.update(t=now, stage=stage)
        Generation.objects.filter(pk=generation_id, status=Generation.Status.RUNNING).update(
            progress_stage=stage, progress_step=step, progress_total=total
        )

    return record


def process_generation(generation_id: int, runner: Runner) -> str:
    """Run a queued generation to the end. Returns the final status (or "skipped").

    `runner` is `gpu_worker.interface.generate`, passed in by the task so that
    this module never imports torch.
    """
    generation = _claim(generation_id)
    if generation is None:
        if not Generation.objects.filter(pk=generation_id).exists():
            log.info("generation %s was deleted before it ran; nothing to do", generation_id)
        return "skipped"

    try:
        request = _build_request(generation)
    except storage.StorageError as e:
        fail_generation(generation, "storage_failed", detail=str(e))
        return Generation.Status.FAILED

    try:
        result = runner(request, progress=_progress_recorder(generation.pk))
    except WorkerError as e:
        fail_generation(generation, "worker_failed", detail=e.message)
        return Generation.Status.FAILED
    except Exception as e:  # noqa: BLE001 - any crash in the model is a failed request, refunded
        log.exception("worker crashed on generation %s", generation.pk)
        fail_generation(generation, "worker_failed", detail=repr(e))
        return Generation.Status.FAILED

    return store_results(generation, result)


def _provenance_record(generation: Generation, result: GenerationResult, index: int) -> dict:
    return {
        "service": settings.SITE_NAME,
        "site": settings.SITE_URL,
        "model": result.model,
        "created": timezone.now().isoformat(timespec="seconds"),
        "generation": str(generation.public_id),
        "index": index,
        "mode": generation.mode,
        "account": f"user:{generation.owner_id}",
        "derived_from_input": bool(generation.input_image),
    }


def store_results(generation: Generation, result: GenerationResult) -> str:
    """Check, sign and upload the PNGs (outside any transaction), then record them and finish."""
    # Every output is checked before anyone can see it; a hit is hidden and flagged.
    verdicts = [moderation.check_output(png) for png in result.images]
    if result.images and not any(v.allowed for v in verdicts):
        for verdict in verdicts:
            moderation.record_refusal(generation.owner, verdict, target="output", text=generation.prompt, generation=generation)
        fail_generation(generation, "content_policy")
        return Generation.Status.FAILED

    try:
        signed = [provenance.sign_png(png, record=_provenance_record(generation, result, index))
                  for index, png in enumerate(result.images)]
    except provenance.ProvenanceError as e:
        fail_generation(generation, "worker_failed", detail=str(e))
        return Generation.Status.FAILED

    saved: list[tuple[int, str, bytes]] = []
    try:
        for index, png in enumerate(signed):
            key = storage.save_bytes(storage.image_key(generation.owner_id, generation.public_id, index), png)
            saved.append((index, key, png))
    except storage.StorageError as e:
        storage.delete_quietly([key for _, key, _ in saved])
        fail_generation(generation, "storage_failed", detail=str(e))
        return Generation.Status.FAILED

    with transaction.atomic():
        finished = Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(
            status=Generation.Status.SUCCEEDED,
            finished_at=timezone.now(),
            model_name=result.model[:100],
            progress_stage="done",
        )
        if finished:
            for (index, key, png), verdict in zip(saved, verdicts, strict=True):
                with Image.open(io.BytesIO(png)) as im:
                    width, height = im.size
                image = GeneratedImage.objects.create(
                    generation=generation, index=index, storage_key=key, width=width, height=height,
                    sha256=hashlib.sha256(png).hexdigest(), hidden=not verdict.allowed,
                )
                # The flag names the image, so a moderator's approval can release it.
                if not verdict.allowed:
                    moderation.record_refusal(
                        generation.owner, verdict, target="output", text=generation.prompt,
                        generation=generation, image=image,
                    )
                elif verdict.details.get("borderline"):
                    moderation.record_borderline(
                        generation.owner, verdict, target="output", text=generation.prompt,
                        generation=generation, image=image,
                    )
    if finished:
        events.publish_finished(generation.public_id, Generation.Status.SUCCEEDED)
    if not finished:
        # Someone else finished or failed it meanwhile (a reaper, a duplicate
        # delivery): ours are surplus copies.
        storage.delete_quietly([key for _, key, _ in saved])
        return "skipped"
    return Generation.Status.SUCCEEDED


def reap_stale_generations(*, now=None) -> int:
    """Fail and refund generations that have run longer than GENERATION_TIMEOUT_S.

    A worker that died without a trace leaves its row RUNNING; without this a
    user would wait forever for a credit that never comes back. Returns how
    many were reaped.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.GENERATION_TIMEOUT_S)
    stale = Generation.objects.filter(status=Generation.Status.RUNNING, started_at__lt=cutoff)
    # A queued request older than twice the timeout was lost by the broker.
    lost = Generation.objects.filter(status=Generation.Status.QUEUED, created_at__lt=cutoff - (now - cutoff))
    reaped = 0
    for generation in list(stale) + list(lost):
        fail_generation(generation, "timed_out", detail="reaped: no result within the time limit")
        reaped += 1
    return reaped
