"""Uploads: realistic faces and nudity are refused, and so is anything that is not a plain still image."""

import io
import struct
import zlib
from unittest import mock

import numpy as np
from PIL import Image

from moderation.services import check_upload
from tests.moderation.conftest import fake_nudity, png_bytes, skin_png

MB = 1024 * 1024


def _api(data, **kw):
    return check_upload(data, max_bytes=kw.pop("max_bytes", 4 * MB), require_square=kw.pop("square", True), context="api")


def _studio(data, **kw):
    return check_upload(data, max_bytes=kw.pop("max_bytes", 10 * MB), require_square=kw.pop("square", False), context="studio")


def test_a_realistic_face_is_refused(face_png):
    verdict = _api(face_png)
    assert not verdict.allowed
    assert verdict.category == "face"
    assert verdict.is_policy_violation
    assert "realistic human faces" in verdict.message
    assert verdict.details["faces"]


def test_a_picture_without_a_face_is_allowed(coffee_png):
    verdict = _api(coffee_png)
    assert verdict.allowed, verdict.details


def test_a_tight_crop_of_a_face_is_refused():
    from skimage import data

    crop = (data.lfw_subset()[0] * 255).astype("uint8")  # 25×25 grey face
    assert _studio(png_bytes(crop)).category == "face"


def test_nudity_is_refused():
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.9)):
        verdict = _studio(skin_png())
    assert verdict.category == "nudity"
    assert "nudity" in verdict.message
    assert "0.9" not in verdict.message


def test_a_borderline_nudity_score_is_allowed_but_marked():
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.3)):
        verdict = _studio(skin_png())
    assert verdict.allowed and verdict.borderline


def test_a_nudity_hit_on_no_skin_is_ignored():
    flat_blue = png_bytes(Image.new("RGB", (256, 256), (20, 40, 200)))
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.95)):
        assert _studio(flat_blue).allowed


def test_bytes_that_are_not_an_image_are_invalid():
    verdict = _api(b"%PDF-1.4 definitely not a png")
    assert verdict.category == "invalid_image"
    assert not verdict.is_policy_violation
    assert verdict.details["reason"] == "not_an_image"
    assert verdict.message == "The file is not a valid image."


def test_a_truncated_png_is_invalid(coffee_png):
    assert _api(coffee_png[: len(coffee_png) // 2]).details["reason"] == "not_an_image"


def test_an_empty_file_is_invalid():
    assert _api(b"").details["reason"] == "empty"


def test_a_file_over_the_api_limit_is_too_large(coffee_png):
    verdict = _api(coffee_png, max_bytes=len(coffee_png) - 1)
    assert verdict.category == "invalid_image"
    assert verdict.details["reason"] == "too_large"
    assert "too large" in verdict.message


def test_the_studio_limit_comes_from_settings(settings):
    assert settings.MODERATION_STUDIO_UPLOAD_MAX_BYTES >= 4 * MB


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: decoding it would need gigabytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\x00" * 1024)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_invalid_before_it_is_decoded():
    bomb = _bomb_png(50_000, 50_000)
    assert len(bomb) < 2000
    verdict = _api(bomb)
    assert verdict.category == "invalid_image"
    assert verdict.details["reason"] == "too_many_pixels"


def test_an_animated_gif_is_invalid():
    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    verdict = _studio(buf.getvalue())
    assert verdict.category == "invalid_image"
    assert verdict.details["reason"] in ("animated", "unsupported_format")


def test_an_animated_png_is_invalid():
    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
    verdict = _studio(buf.getvalue())
    assert verdict.details["reason"] == "animated"


def test_a_non_square_image_is_invalid_where_square_is_required():
    wide = png_bytes(np.zeros((100, 200, 3), dtype="uint8"))
    assert _api(wide).details["reason"] == "not_square"
    assert _studio(wide).allowed


def test_the_api_takes_only_png_but_the_studio_takes_jpeg():
    jpeg = png_bytes(Image.new("RGB", (128, 128), "green"), "JPEG")
    assert _api(jpeg).details["reason"] == "unsupported_format_api"
    assert _api(jpeg).message == "The image must be a PNG file."
    assert _studio(jpeg).allowed
