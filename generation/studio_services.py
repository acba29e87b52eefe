"""What the browser studio does beyond a plain prompt: edits, variations, blends,
outpainting canvases, keeping candidates, favourites, collections and sharing.

Every request for images goes through `services.submit_generation`, which
checks, charges and enqueues; this module prepares its inputs (a mask, a
square upload, an outpainting frame) and keeps what the user picks.

Credits: every studio request costs one credit (PRODUCT.md §2). That
includes an interpolation strip of five blends: it is one request a person
makes, its five decoder passes cost about what a prompt's four do (the
image-to-image strip skips the prior), and charging two for it would make
the one studio feature beyond DALL·E 2 the only one with a different price.
"""

from __future__ import annotations

import io
import secrets

import numpy as np
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from generation import services
from generation.lib import storage
from generation.models import Collection, CollectionItem, GeneratedImage, Generation, OutpaintCanvas
from generation.services import SubmitError
from moderation import services as moderation

EDIT_CANDIDATES = 3
VARIATIONS = 3
OUTPAINT_CANDIDATES = 4
INTERPOLATION_STEPS = 5
UPLOAD_MAX_BYTES = 4 * 1024 * 1024

studio_messages = {
    "mask_invalid": "The erased area could not be read. Please try again.",
    "mask_empty": "Erase the part of the image you want to repaint first.",
    "mask_full": "Leave some of the image unerased, so there is something to keep.",
    "frame_no_image": "Move the frame so that it overlaps the picture.",
    "frame_no_space": "Move the frame so that part of it is empty: that part is what gets painted.",
    "canvas_too_large": "The canvas cannot grow any further in that direction.",
    "candidate_unknown": "That image is not one of this frame's candidates.",
    "collection_title": "Give the collection a name.",
    "choose_second": "Choose a second image or describe one.",
}


class StudioError(SubmitError):
    """A studio request refused before anything was charged (same shape as SubmitError)."""

    def __init__(self, code: str, *, param: str | None = None):
        super().__init__(code, studio_messages[code], param=param)


# --- PNG helpers ------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _image_bytes(image: GeneratedImage) -> bytes:
    try:
        return storage.read_bytes(image.storage_key)
    except storage.StorageError as e:
        raise SubmitError("storage_unavailable") from e


# --- Requests for images ----------------------------------------------------------------


def submit_edit(user, image: GeneratedImage, *, mask: bytes, prompt: str) -> Generation:
    """Inpainting: repaint the transparent part of `mask` over `image`; three candidates.

    The mask comes from the browser's eraser; only its alpha is used, so the
    image itself is always the stored original, never pixels the client sent.
    """
    original = _image_bytes(image)
    try:
        mask_im = _open(mask).convert("RGBA")
    except Exception as e:  # noqa: BLE001 - anything unreadable is the same plain message
        raise StudioError("mask_invalid", param="mask") from e
    size = (image.width, image.height)
    if mask_im.size != size:
        mask_im = mask_im.resize(size, Image.Resampling.NEAREST)
    hole = np.asarray(mask_im.getchannel("A")) == 0
    if not hole.any():
        raise StudioError("mask_empty", param="mask")
    if hole.all():
        raise StudioError("mask_full", param="mask")
    alpha = Image.fromarray(np.where(hole, 0, 255).astype(np.uint8), mode="L")
    clean_mask = Image.new("RGBA", size, (0, 0, 0, 255))
    clean_mask.putalpha(alpha)
    return services.submit_generation(
        user, prompt=prompt, mode=Generation.Mode.EDIT, image=original, mask=_png(clean_mask),
        size=image.generation.size, n=EDIT_CANDIDATES, links={"parent_image": image},
    )


def submit_variations(user, image: GeneratedImage) -> Generation:
    return services.submit_generation(
        user, mode=Generation.Mode.VARIATION, image=_image_bytes(image), prompt="",
        size=image.generation.size, n=VARIATIONS, links={"parent_image": image},
    )


def submit_upload_variations(user, data: bytes, *, size: int = 1024) -> Generation:
    """Variations of an uploaded file, which must pass moderation first.

    A refusal raises SubmitError with the verdict's plain message; a policy
    refusal is kept as a flag (and counts as a strike).
    """
    verdict = moderation.check_upload(data, max_bytes=UPLOAD_MAX_BYTES, require_square=False, context="studio")
    if not verdict.allowed:
        moderation.record_refusal(user, verdict, target="upload")
        code = "content_policy" if verdict.is_policy_violation else "invalid_image"
        raise SubmitError(code, verdict.message, param="image")
    im = ImageOps.exif_transpose(_open(data)).convert("RGB")
    side = min(im.size)
    square = ImageOps.fit(im, (side, side), Image.Resampling.LANCZOS)
    return services.submit_generation(
        user, mode=Generation.Mode.VARIATION, image=_png(square), prompt="", size=size, n=VARIATIONS,
    )


def submit_interpolation(user, image: GeneratedImage, *, other: GeneratedImage | None = None, text: str = "") -> Generation:
    """A strip of five blends from `image` to `other` (an image) or to `text`."""
    if other is None and not text.strip():
        raise StudioError("choose_second", param="image2")
    return services.submit_generation(
        user, mode=Generation.Mode.INTERPOLATE, image=_image_bytes(image),
        image2=_image_bytes(other) if other is not None else None, prompt2="" if other is not None else text,
        prompt="",
        size=image.generation.size, n=INTERPOLATION_STEPS, links={"parent_image": image},
    )


def keep_candidate(user, image: GeneratedImage) -> GeneratedImage:
    """Keep one of an edit's candidates: it joins the user's history as a kept image."""
    GeneratedImage.objects.filter(pk=image.pk, generation__owner=user).update(kept=True)
    image.kept = True
    return image


# --- Outpainting --------------------------------------------------------------------------


def start_canvas(user, image: GeneratedImage) -> OutpaintCanvas:
    """A canvas holding `image` scaled to one frame (FRAME×FRAME), at the world's origin."""
    frame = OutpaintCanvas.FRAME
    im = _open(_image_bytes(image)).convert("RGBA")
    if im.size != (frame, frame):
        im = im.resize((frame, frame), Image.Resampling.LANCZOS)
    canvas = OutpaintCanvas(
        owner=user, source_image=image, width=frame, height=frame, gen_size=image.generation.size,
        prompt=image.generation.prompt,
    )
    try:
        canvas.storage_key = storage.save_bytes(_canvas_key(canvas, 1), _png(im))
    except storage.StorageError as e:
        raise SubmitError("storage_unavailable") from e
    canvas.save()
    return canvas


def _canvas_key(canvas: OutpaintCanvas, version: int) -> str:
    return f"canvases/{canvas.owner_id}/{canvas.public_id}/v{version}.png"


def _canvas_image(canvas: OutpaintCanvas) -> Image.Image:
    try:
        return _open(storage.read_bytes(canvas.storage_key)).convert("RGBA")
    except storage.StorageError as e:
        raise SubmitError("storage_unavailable") from e


def frame_inputs(canvas: OutpaintCanvas, x: int, y: int) -> tuple[bytes, bytes]:
    """The frame at world (x, y) as (image, mask) PNGs at the canvas's generation size.

    The mask is transparent wherever any canvas pixel under it is empty, so a
    frame scaled down never keeps a half-painted edge.
    """
    frame = OutpaintCanvas.FRAME
    picture = _canvas_image(canvas)
    crop = Image.new("RGBA", (frame, frame), (0, 0, 0, 0))
    crop.paste(picture, (canvas.origin_x - x, canvas.origin_y - y))
    hole = np.asarray(crop.getchannel("A")) == 0
    if hole.all():
        raise StudioError("frame_no_image", param="frame")
    if not hole.any():
        raise StudioError("frame_no_space", param="frame")
    size = canvas.gen_size
    # Empty pixels are neutral grey for the model; they are repainted anyway.
    background = Image.new("RGBA", (frame, frame), (128, 128, 128, 255))
    rgb = Image.alpha_composite(background, crop).convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    hole_small = Image.fromarray(hole.astype(np.uint8) * 255, mode="L").resize((size, size), Image.Resampling.BOX)
    alpha = Image.fromarray(np.where(np.asarray(hole_small) > 0, 0, 255).astype(np.uint8), mode="L")
    mask = Image.new("RGBA", (size, size), (0, 0, 0, 255))
    mask.putalpha(alpha)
    return _png(rgb), _png(mask)


def submit_outpaint(user, canvas: OutpaintCanvas, *, x: int, y: int, prompt: str) -> Generation:
    """Fill the empty part of the frame at world (x, y): up to four candidates."""
    left, top = min(canvas.origin_x, x), min(canvas.origin_y, y)
    right = max(canvas.origin_x + canvas.width, x + OutpaintCanvas.FRAME)
    bottom = max(canvas.origin_y + canvas.height, y + OutpaintCanvas.FRAME)
    if max(right - left, bottom - top) > OutpaintCanvas.MAX_SIDE:
        raise StudioError("canvas_too_large", param="frame")
    image, mask = frame_inputs(canvas, x, y)
    generation = services.submit_generation(
        user, prompt=prompt, mode=Generation.Mode.EDIT, image=image, mask=mask, size=canvas.gen_size,
        n=OUTPAINT_CANDIDATES, links={"canvas": canvas, "frame_x": x, "frame_y": y},
    )
    OutpaintCanvas.objects.filter(pk=canvas.pk).update(prompt=generation.prompt)
    return generation


def keep_outpaint_candidate(user, canvas: OutpaintCanvas, image: GeneratedImage) -> OutpaintCanvas:
    """Paint the chosen candidate into the empty part of its frame; the canvas grows to hold it.

    Only empty pixels are painted, so what the user already kept never
    changes. The canvas row is locked while the new PNG is stored, so two
    keeps in a row each see the other's result.
    """
    generation = image.generation
    if generation.canvas_id != canvas.pk or image.hidden:
        raise StudioError("candidate_unknown", param="image")
    frame = OutpaintCanvas.FRAME
    candidate = _open(_image_bytes(image)).convert("RGBA").resize((frame, frame), Image.Resampling.LANCZOS)
    with transaction.atomic():
        canvas = OutpaintCanvas.objects.select_for_update().get(pk=canvas.pk)
        picture = _canvas_image(canvas)
        x, y = generation.frame_x or 0, generation.frame_y or 0
        left, top = min(canvas.origin_x, x), min(canvas.origin_y, y)
        right = max(canvas.origin_x + canvas.width, x + frame)
        bottom = max(canvas.origin_y + canvas.height, y + frame)
        grown = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        grown.paste(candidate, (x - left, y - top))
        # The old picture goes on top: its painted pixels win, its empty ones show the candidate.
        grown.alpha_composite(picture, (canvas.origin_x - left, canvas.origin_y - top))
        old_key = canvas.storage_key
        version = canvas.version + 1
        try:
            new_key = storage.save_bytes(_canvas_key(canvas, version), _png(grown))
        except storage.StorageError as e:
            raise SubmitError("storage_unavailable") from e
        canvas.storage_key, canvas.version = new_key, version
        canvas.origin_x, canvas.origin_y = left, top
        canvas.width, canvas.height = grown.size
        canvas.updated_at = timezone.now()
        canvas.save()
        GeneratedImage.objects.filter(pk=image.pk).update(kept=True)
        transaction.on_commit(lambda: storage.delete_quietly([old_key]))
    return canvas


def canvas_png(canvas: OutpaintCanvas) -> bytes:
    try:
        return storage.read_bytes(canvas.storage_key)
    except storage.StorageError as e:
        raise SubmitError("storage_unavailable") from e


# --- Favourites, collections, sharing ------------------------------------------------------


def set_favourite(image: GeneratedImage, favourite: bool) -> GeneratedImage:
    image.favourited_at = timezone.now() if favourite else None
    image.save(update_fields=["favourited_at"])
    return image


def share_image(image: GeneratedImage) -> str:
    """A public link's token (the same one until it is revoked)."""
    if not image.share_token:
        image.share_token = secrets.token_urlsafe(24)
        image.save(update_fields=["share_token"])
    return image.share_token


def revoke_share(image: GeneratedImage) -> None:
    image.share_token = None
    image.save(update_fields=["share_token"])


def create_collection(user, *, title: str, is_public: bool = False) -> Collection:
    title = title.strip()
    if not title:
        raise StudioError("collection_title", param="title")
    return Collection.objects.create(owner=user, title=title[:100], is_public=is_public)


def add_to_collection(collection: Collection, image: GeneratedImage) -> CollectionItem:
    item, _ = CollectionItem.objects.get_or_create(collection=collection, image=image)
    return item


def remove_from_collection(collection: Collection, image: GeneratedImage) -> None:
    CollectionItem.objects.filter(collection=collection, image=image).delete()
