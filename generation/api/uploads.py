"""The PNG rules of the Images API: what an uploaded image or mask must be.

These checks are structural (PNG, square, under 4 MB, decodable, same size,
transparency where the edit needs it) and run before the moderation checks of
`moderation.services.check_upload`, which judge what the picture shows.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from generation.api.errors import ApiError, invalid
from moderation import services as moderation

MAX_BYTES = 4 * 1024 * 1024
# A 4 MB PNG can decode to gigabytes; no real input needs more than this per side.
MAX_SIDE = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Png:
    data: bytes
    width: int
    height: int
    has_transparency: bool


def _has_transparent_pixel(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA", "PA"):
        return im.getchannel("A").getextrema()[0] == 0
    if "transparency" in im.info:
        return im.convert("RGBA").getchannel("A").getextrema()[0] == 0
    return False


def read_png(upload, *, param: str) -> Png:
    """Read and check one uploaded file; raises ApiError(400, param=param)."""
    what = "mask" if param == "mask" else "image"
    too_large = invalid(f"Uploaded {what} must be a PNG and less than 4 MB.", param=param, code="image_too_large")
    if upload.size >= MAX_BYTES:
        raise too_large
    data = upload.read()
    if len(data) >= MAX_BYTES:
        raise too_large
    if not data.startswith(PNG_SIGNATURE):
        raise invalid(f"Uploaded {what} must be a PNG file.", param=param, code="invalid_image_format")
    corrupt = invalid(f"Uploaded {what} is not a valid PNG: it is corrupt or truncated.", param=param, code="invalid_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise invalid(
                        f"Uploaded {what} is too large: at most {MAX_SIDE}x{MAX_SIDE} pixels.",
                        param=param, code="image_too_large",
                    )
                if getattr(im, "is_animated", False):
                    raise invalid(f"Uploaded {what} must be a still PNG, not an animation.", param=param, code="invalid_image")
                im.verify()  # chunk CRCs
            with Image.open(io.BytesIO(data)) as im:
                im.load()  # the pixel data itself: catches truncation
                transparency = _has_transparent_pixel(im)
    except ApiError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        # Pillow's own pixel limit fires before ours can read the size: the same answer.
        raise invalid(
            f"Uploaded {what} is too large: at most {MAX_SIDE}x{MAX_SIDE} pixels.", param=param, code="image_too_large"
        ) from e
    except Exception as e:  # noqa: BLE001 - Pillow raises many types on broken files (IndexError without IDAT, struct.error, ...)
        raise corrupt from e
    return Png(data=data, width=width, height=height, has_transparency=transparency)


def check_image(upload, *, user) -> Png:
    image = read_png(upload, param="image")
    if image.width != image.height:
        raise invalid(
            f"Uploaded image must be square; this one is {image.width}x{image.height}.",
            param="image", code="image_not_square",
        )
    _check_policy(image, user=user, param="image")
    return image


def check_edit(image: Png, mask_upload, *, user) -> Png | None:
    """The mask of an edit (checked), or None when the image's own transparency is the mask."""
    if mask_upload is None:
        if not image.has_transparency:
            raise invalid(
                "The image has no transparent area to edit: upload a mask, or make the part to "
                "edit fully transparent.",
                param="image", code="image_not_transparent",
            )
        return None
    mask = read_png(mask_upload, param="mask")
    if (mask.width, mask.height) != (image.width, image.height):
        raise invalid(
            f"The mask must be the same size as the image: the image is {image.width}x{image.height}, "
            f"the mask {mask.width}x{mask.height}.",
            param="mask", code="mask_size_mismatch",
        )
    if not mask.has_transparency:
        raise invalid(
            "The mask has no fully transparent pixels, so nothing would be edited.",
            param="mask", code="image_not_transparent",
        )
    return mask


def _check_policy(png: Png, *, user, param: str) -> None:
    """What the picture shows: moderation's upload check, when it is installed."""
    check_upload = getattr(moderation, "check_upload", None)
    if check_upload is None:
        return
    verdict = check_upload(png.data, max_bytes=MAX_BYTES, require_square=True, context="api")
    if verdict.allowed:
        if verdict.details.get("borderline") and hasattr(moderation, "record_borderline"):
            moderation.record_borderline(user, verdict, target="upload")
        return
    if verdict.category == "invalid_image":
        raise invalid(verdict.message, param=param, code="invalid_image")
    moderation.record_refusal(user, verdict, target="upload")
    raise ApiError(400, verdict.message, param=param, code="content_policy_violation")
