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
import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from billing import services as billing
from generation.lib import events, provenance, storage
from generation.models import GeneratedImage, Generation
from gpu_worker.errors import GenerationError as WorkerError
from gpu_worker.interface import GenerationRequest, GenerationResult
from moderation import services as moderation

log = logging.getLogger(__name__)
T = TypeVar("T")

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
    limit = prompt_max or (
        settings.STUDIO_PROMPT_MAX if source == Generation.Source.STUDIO else 1000
    )
    needs_prompt = mode in (Generation.Mode.GENERATE, Generation.Mode.EDIT)
    if needs_prompt and not prompt:
        raise SubmitError("prompt_required", param="prompt")
    if mode != Generation.Mode.GENERATE and image is None:
        raise SubmitError("image_required", param="image")
    prompt2 = (prompt2 or "").strip()
    if mode == Generation.Mode.INTERPOLATE and image2 is None and not prompt2:
        raise SubmitError("image_required", param="image2")
    if len(prompt2) > limit:
        raise SubmitError(
            "prompt_too_long",
            error_messages["prompt_too_long"].format(limit=limit),
            param="prompt2",
        )
    if len(prompt) > limit:
        raise SubmitError(
            "prompt_too_long", error_messages["prompt_too_long"].format(limit=limit), param="prompt"
        )
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
            input_keys["input_image"] = storage.save_bytes(
                storage.input_key(user.pk, public_id, "image"), image
            )
        if mask is not None:
            input_keys["input_mask"] = storage.save_bytes(
                storage.input_key(user.pk, public_id, "mask"), mask
            )
        if image2 is not None:
            input_keys["input_image2"] = storage.save_bytes(
                storage.input_key(user.pk, public_id, "image2"), image2
            )
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
#
# A worker *claims* a row (QUEUED → RUNNING) with a fresh token and a lease it
# renews as it works. Only the token's holder may store results, finish or fail
# the row; every such write is an UPDATE conditional on the token, so a worker
# that stalled, lost its lease and was taken over can neither add images nor
# charge or refund anything. A redelivered task takes over a RUNNING row whose
# lease ran out; the reaper puts such rows back on the queue.

Runner = Callable[..., GenerationResult]

_DB_ERRORS = (OperationalError, InterfaceError)


class LeaseLost(Exception):
    """This worker's claim ended (taken over, reaped or cancelled): stop without finishing."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _with_db_retry(fn: Callable[[], T], *, what: str, tries: int = 4) -> T:
    """Run `fn`, reconnecting and retrying when the database connection drops.

    Every write retried here is conditional (on a status or a claim token), so
    running it again after a commit whose answer was lost changes nothing.
    Inside an outer transaction nothing can be retried: the error goes up.
    """
    for attempt in range(tries):
        try:
            return fn()
        except _DB_ERRORS as e:
            if attempt == tries - 1 or connection.in_atomic_block:
                raise
            log.warning("database connection lost while %s (%s); reconnecting", what, e)
            connection.close()
            time.sleep(0.25 * (attempt + 1))
    raise AssertionError("unreachable")


_io_executor: ThreadPoolExecutor | None = None


def _io_pool() -> ThreadPoolExecutor:
    # Long-lived threads: the S3 client is per thread and costs ~0.3 s to make.
    global _io_executor
    if _io_executor is None:
        _io_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="easel-io")
    return _io_executor


@dataclass
class Claim:
    """A worker's hold on one RUNNING generation."""

    generation: Generation
    token: str
    lost: bool = False
    retried_uploads: bool = False
    _renewed: float = field(default_factory=time.monotonic)
    _stage: str = ""
    # Seconds per model stage, from the progress callback (recorded by `record_stage_times`).
    stage_seconds: dict[str, float] = field(default_factory=dict)
    _timed_stage: str = ""
    _timed_since: float = 0.0

    def rows(self):
        return Generation.objects.filter(
            pk=self.generation.pk, status=Generation.Status.RUNNING, claim_token=self.token
        )

    def renew(self, *, leases: float = 1.0, **progress) -> None:
        """Extend the lease by `leases` × GENERATION_LEASE_S (and record progress).

        Raises LeaseLost when the row is no longer ours.
        """
        if self.lost:
            raise LeaseLost(f"generation {self.generation.pk} was taken over")
        expires = timezone.now() + timedelta(seconds=settings.GENERATION_LEASE_S * leases)
        updated = _with_db_retry(
            lambda: self.rows().update(lease_expires_at=expires, **progress),
            what="renewing a lease",
        )
        self._renewed = time.monotonic()
        if not updated:
            self.lost = True
            log.warning(
                "generation %s: lease lost; another worker or the reaper has it", self.generation.pk
            )
            raise LeaseLost(f"generation {self.generation.pk} was taken over")

    def renewing(self, fn: Callable[..., T], *args) -> T:
        """Call `fn(*args)` — blocking I/O that touches no database, such as an upload — in a
        helper thread, renewing the lease from this one until it returns.

        On LeaseLost the call is still waited for (its result is discarded by the caller's clean-up).
        """
        interval = max(0.05, min(1.0, settings.GENERATION_LEASE_S / 4))
        future = _io_pool().submit(fn, *args)
        while True:
            try:
                return future.result(timeout=interval)
            except FuturesTimeout:
                try:
                    self.renew()
                except LeaseLost as lost:
                    # Let the call end, and hand what it made to the caller to clean up.
                    lost.late_result = None if future.exception() else future.result()
                    raise

    def progress(self, stage: str, step: int, total: int) -> None:
        """The model's progress callback: a few writes a second at most, each renewing the lease."""
        now = time.monotonic()
        if stage != self._timed_stage:
            self._close_stage(now)
            self._timed_stage, self._timed_since = stage, now
        due = now - self._renewed >= min(0.5, settings.GENERATION_LEASE_S / 4)
        if stage == self._stage and step < total and not due:
            return
        self._stage = stage
        self.renew(progress_stage=stage, progress_step=step, progress_total=total)


    def _close_stage(self, now: float) -> None:
        if self._timed_stage:
            self.stage_seconds[self._timed_stage] = (
                self.stage_seconds.get(self._timed_stage, 0.0) + now - self._timed_since
            )
            self._timed_stage = ""


def record_stage_times(claim: Claim) -> None:
    """Store how long each model stage took (the model has returned); a failure here loses only a figure."""
    from generation.models import GenerationStage

    claim._close_stage(time.monotonic())
    if not claim.stage_seconds:
        return
    try:
        GenerationStage.objects.bulk_create(
            [GenerationStage(generation_id=claim.generation.pk, stage=stage[:32], seconds=seconds)
             for stage, seconds in claim.stage_seconds.items()]
        )
    except _DB_ERRORS:
        log.warning("generation %s: could not record its stage times", claim.generation.pk, exc_info=True)
    claim.stage_seconds = {}


def claim_generation(generation_id: int) -> Claim | None:
    """QUEUED → RUNNING, or take over a RUNNING row whose lease ran out. None when not ours to run."""

    def claim() -> Claim | None:
        now = timezone.now()
        token = secrets.token_hex(16)
        takeable = Q(status=Generation.Status.QUEUED) | Q(
            status=Generation.Status.RUNNING, lease_expires_at__lt=now
        )
        claimed = Generation.objects.filter(
            takeable, pk=generation_id, attempts__lt=settings.GENERATION_MAX_ATTEMPTS
        ).update(
            status=Generation.Status.RUNNING,
            claim_token=token,
            claimed_by=worker_name(),
            lease_expires_at=now + timedelta(seconds=settings.GENERATION_LEASE_S),
            started_at=now,
            attempts=F("attempts") + 1,
            progress_stage="starting",
            progress_step=0,
            progress_total=0,
        )
        if claimed:
            return Claim(Generation.objects.get(pk=generation_id), token)
        # A claim that ran out after its last allowed attempt: end it here (fail and refund).
        spent = Generation.objects.filter(takeable, pk=generation_id).first()
        if spent is not None:
            _fail(
                spent,
                "worker_failed",
                detail="no attempts left after lost workers",
                condition=Q(claim_token=spent.claim_token) & takeable,
            )
        return None

    return _with_db_retry(claim, what="claiming a generation")


def _fail(
    generation: Generation, code: str, *, detail: str = "", condition: Q | None = None
) -> bool:
    """Fail and refund (once) if the row is still open and `condition` holds. True when this call did it."""

    def fail() -> int:
        with transaction.atomic():
            rows = Generation.objects.filter(
                pk=generation.pk, status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING]
            )
            if condition is not None:
                rows = rows.filter(condition)
            changed = rows.update(
                status=Generation.Status.FAILED,
                failure_reason=error_messages.get(code, code),
                finished_at=timezone.now(),
                lease_expires_at=None,
            )
            if changed:
                billing.refund_generation(generation, reason=f"Refund: {code}")
                transaction.on_commit(
                    lambda: events.publish_finished(generation.public_id, "failed")
                )
            return changed

    changed = _with_db_retry(fail, what="failing a generation")
    if changed:
        _delete_orphans(generation, keep=set())
    if detail:
        log.warning("generation %s failed (%s): %s", generation.pk, code, detail)
    return bool(changed)


def fail_generation(
    generation: Generation, code: str, *, detail: str = "", token: str | None = None
) -> bool:
    """Record a failure (once) and refund the request's credits.

    With `token`, only while that claim still holds the row (a worker failing its own work).
    """
    return _fail(
        generation,
        code,
        detail=detail,
        condition=Q(claim_token=token) if token is not None else None,
    )


def _image_prefix(generation: Generation) -> str:
    return storage.image_key(generation.owner_id, generation.public_id, 0).rsplit("/", 1)[0]


def _delete_orphans(generation: Generation, *, keep: set[str]) -> None:
    """Remove stored PNGs of this generation that no GeneratedImage row names.

    A worker killed between uploading and finishing leaves its copies behind;
    whoever ends the row (the next worker, a failure, the reaper) clears them.
    """
    from django.core.files.storage import default_storage

    prefix = _image_prefix(generation)
    try:
        _, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    except Exception:  # noqa: BLE001 - storage down: a later end of the row tries again
        log.warning("could not list %s to clear leftovers", prefix, exc_info=True)
        return
    storage.delete_quietly([f"{prefix}/{name}" for name in files if f"{prefix}/{name}" not in keep])


def build_request(generation: Generation) -> GenerationRequest:
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


def run_claimed(generation_id: int, runner: Runner) -> tuple[Claim, GenerationResult] | str:
    """The GPU half: claim, read the inputs and run the model.

    Returns the claim and the result for `complete_generation`, or the final
    status ("skipped" when it was not ours to run, or our claim was lost).
    """
    claim = claim_generation(generation_id)
    if claim is None:
        if not Generation.objects.filter(pk=generation_id).exists():
            log.info("generation %s was deleted before it ran; nothing to do", generation_id)
        return "skipped"
    generation = claim.generation

    try:
        request = claim.renewing(build_request, generation)
    except LeaseLost:
        return "skipped"
    except storage.StorageError as e:
        return fail_claimed(claim, "storage_failed", detail=str(e))

    try:
        result = runner(request, progress=claim.progress)
    except Exception as e:  # noqa: BLE001 - any crash in the model is a failed request, refunded
        return fail_after_model_error(claim, e)
    record_stage_times(claim)
    return claim, result


def lost_to_another(claim: Claim, error: BaseException) -> bool:
    """True when the model stopped because this claim was taken over (nothing to fail or refund)."""
    return claim.lost or isinstance(error, LeaseLost) or isinstance(error.__cause__, LeaseLost)


def fail_after_model_error(claim: Claim, error: BaseException) -> str:
    """The model raised: fail and refund the claimed request (unless it is no longer ours); returns its status."""
    if lost_to_another(claim, error):
        return "skipped"
    if isinstance(error, WorkerError):
        return fail_claimed(claim, "worker_failed", detail=error.message)
    log.error("worker crashed on generation %s", claim.generation.pk, exc_info=error)
    return fail_claimed(claim, "worker_failed", detail=repr(error))


def fail_claimed(claim: Claim, code: str, *, detail: str = "") -> str:
    if fail_generation(claim.generation, code, detail=detail, token=claim.token):
        return Generation.Status.FAILED
    return "skipped"


def process_generation(generation_id: int, runner: Runner) -> str:
    """Run a queued generation to the end. Returns the final status (or "skipped").

    `runner` is `gpu_worker.interface.generate`, passed in by the task so that
    this module never imports torch.
    """
    ran = run_claimed(generation_id, runner)
    if isinstance(ran, str):
        return ran
    claim, result = ran
    return complete_generation(claim, result)


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


# Storage that restarts is back within seconds; past these waits the request fails, refunded.
STORAGE_RETRY_WAITS_S = (0.5, 1.0, 2.0, 4.0, 8.0)


def _save_retrying(claim: Claim, key: str, png: bytes) -> str:
    """Upload one PNG, waiting out a short storage outage (the lease is renewed meanwhile).

    A retry after an upload whose answer was lost may store a second copy
    under another name; `_delete_orphans` removes it when the row finishes.
    """
    for wait in (*STORAGE_RETRY_WAITS_S, None):
        try:
            return claim.renewing(storage.save_bytes, key, png)
        except LeaseLost as lost:
            storage.delete_quietly([lost.late_result] if getattr(lost, "late_result", None) else [])
            raise
        except storage.StorageError as e:
            if wait is None or e.permanent:
                raise
            claim.retried_uploads = True
            log.warning("generation %s: %s; trying again in %.0f s", claim.generation.pk, e, wait)
            claim.renewing(time.sleep, wait)
    raise AssertionError("unreachable")


def _record_output_verdict(generation: Generation, verdict, *, image=None) -> None:
    """Flag an output check's refusal or borderline score (naming the image when it was kept)."""
    if not verdict.allowed:
        record = moderation.record_refusal
    elif verdict.details.get("borderline"):
        record = moderation.record_borderline
    else:
        return
    record(
        generation.owner,
        verdict,
        target="output",
        text=generation.prompt,
        generation=generation,
        image=image,
    )


def complete_generation(claim: Claim, result: GenerationResult, *, sweep: bool = False) -> str:
    """The CPU half: check, sign and upload the PNGs (outside any transaction), then finish.

    Returns the final status, or "skipped" when the claim was lost meanwhile
    (the copies stored here are then removed again). `sweep` also removes
    copies an earlier try of this same claim may have left (a redelivered task).
    """
    generation = claim.generation
    try:
        claim.renew(progress_stage="checking")
    except LeaseLost:
        return "skipped"
    # Every output is checked before anyone can see it; a hit is hidden and flagged.
    verdicts = [moderation.check_output(png) for png in result.images]
    if result.images and not any(v.allowed for v in verdicts):
        if fail_claimed(claim, "content_policy") != Generation.Status.FAILED:
            return "skipped"
        for verdict in verdicts:
            _record_output_verdict(generation, verdict)
        return Generation.Status.FAILED

    try:
        signed = [
            provenance.sign_png(png, record=_provenance_record(generation, result, index))
            for index, png in enumerate(result.images)
        ]
    except provenance.ProvenanceError as e:
        return fail_claimed(claim, "worker_failed", detail=str(e))

    saved: list[tuple[int, str, bytes]] = []
    try:
        claim.renew(progress_stage="storing")
        for index, png in enumerate(signed):
            key = _save_retrying(
                claim, storage.image_key(generation.owner_id, generation.public_id, index), png
            )
            saved.append((index, key, png))
            claim.renew()
    except LeaseLost:
        storage.delete_quietly([key for _, key, _ in saved])
        return "skipped"
    except storage.StorageError as e:
        storage.delete_quietly([key for _, key, _ in saved])
        return fail_claimed(claim, "storage_failed", detail=str(e))

    def finish() -> int:
        with transaction.atomic():
            finished = claim.rows().update(
                status=Generation.Status.SUCCEEDED,
                finished_at=timezone.now(),
                model_name=result.model[:100],
                progress_stage="done",
                lease_expires_at=None,
            )
            if not finished:
                return 0
            for (index, key, png), verdict in zip(saved, verdicts, strict=True):
                with Image.open(io.BytesIO(png)) as im:
                    width, height = im.size
                image = GeneratedImage.objects.create(
                    generation=generation,
                    index=index,
                    storage_key=key,
                    width=width,
                    height=height,
                    sha256=hashlib.sha256(png).hexdigest(),
                    hidden=not verdict.allowed,
                )
                # The flag names the image, so a moderator's approval can release it.
                _record_output_verdict(generation, verdict, image=image)
            return finished

    try:
        finished = _with_db_retry(finish, what="finishing a generation")
    except _DB_ERRORS:
        # The database stayed away: our lease runs out and the reaper sends the request again.
        storage.delete_quietly([key for _, key, _ in saved])
        raise
    if not finished:
        # A retry after a commit whose answer was lost finds the row already ours and done.
        finished = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.SUCCEEDED, claim_token=claim.token
        ).exists()
    if not finished:
        # Someone else finished or failed it meanwhile (a reaper, a duplicate
        # delivery that took over): ours are surplus copies.
        storage.delete_quietly([key for _, key, _ in saved])
        return "skipped"
    events.publish_finished(generation.public_id, Generation.Status.SUCCEEDED)
    if sweep or generation.attempts > 1 or claim.retried_uploads:
        # An earlier attempt, or an upload whose answer was lost, may have left copies.
        _delete_orphans(generation, keep={key for _, key, _ in saved})
    return Generation.Status.SUCCEEDED


# --- The reaper (beat, every minute) ------------------------------------------------


def reap_stale_generations(*, now=None) -> int:
    """Return stale claims to the queue; fail and refund what cannot be saved.

    - RUNNING with its lease run out (the worker died or hung): back to the
      queue, or failed and refunded once it has used GENERATION_MAX_ATTEMPTS claims.
    - RUNNING for longer than GENERATION_TIMEOUT_S, lease or not: failed, refunded.
    - QUEUED for longer than GENERATION_TIMEOUT_S since it was last sent (the
      broker lost it, e.g. Redis restarted without its data): sent again;
      failed and refunded when older than (GENERATION_MAX_ATTEMPTS + 1) time limits.

    A duplicate message is harmless: claiming is conditional. Returns how many
    rows it requeued or failed.
    """
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.GENERATION_TIMEOUT_S)
    max_attempts = settings.GENERATION_MAX_ATTEMPTS
    running = Generation.Status.RUNNING
    queued = Generation.Status.QUEUED
    reaped = 0

    # Past the time limit, whatever the lease says.
    for generation in Generation.objects.filter(status=running, started_at__lt=now - timeout):
        if _fail(
            generation,
            "timed_out",
            detail="reaped: no result within the time limit",
            condition=Q(
                status=running, claim_token=generation.claim_token, started_at=generation.started_at
            ),
        ):
            reaped += 1

    # Lease run out: the worker is gone.
    for generation in Generation.objects.filter(status=running, lease_expires_at__lt=now):
        mine = Q(status=running, claim_token=generation.claim_token, lease_expires_at__lt=now)
        if generation.attempts >= max_attempts:
            if _fail(
                generation,
                "worker_failed",
                detail=f"lease lost on all {generation.attempts} attempts",
                condition=mine,
            ):
                reaped += 1
            continue
        requeued = Generation.objects.filter(mine, pk=generation.pk).update(
            status=queued,
            claim_token="",
            claimed_by="",
            lease_expires_at=None,
            queued_at=now,
            progress_stage="",
            progress_step=0,
            progress_total=0,
        )
        if requeued:
            log.warning(
                "generation %s: %s stopped renewing its lease; back on the queue",
                generation.pk,
                generation.claimed_by or "a worker",
            )
            enqueue_generation(generation.pk)
            reaped += 1

    # Queued too long: the message may be gone.
    for generation in Generation.objects.filter(status=queued, queued_at__lt=now - timeout):
        if generation.created_at < now - timeout * (max_attempts + 1):
            if _fail(
                generation, "timed_out", detail="reaped: never ran", condition=Q(status=queued)
            ):
                reaped += 1
            continue
        if Generation.objects.filter(
            pk=generation.pk, status=queued, queued_at=generation.queued_at
        ).update(queued_at=now):
            log.warning(
                "generation %s waited %s in the queue; sending it again",
                generation.pk,
                now - generation.queued_at,
            )
            enqueue_generation(generation.pk)
            reaped += 1
    return reaped
