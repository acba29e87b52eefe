"""Uploaded images arrive in every mode Pillow reads; each becomes 8-bit RGBA with its transparency."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from gpu_worker.engine import decode_image
from gpu_worker.errors import InvalidInput


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_greyscale_palette_and_rgb_images_become_opaque_rgba():
    for image in (Image.new("L", (8, 8), 128), Image.new("RGB", (8, 8), (1, 2, 3)), Image.new("1", (8, 8), 1),
                  Image.new("RGB", (8, 8), (9, 9, 9)).convert("P")):
        rgba = decode_image(encoded(image), "image")
        assert rgba.mode == "RGBA"
        assert rgba.getchannel("A").getextrema() == (255, 255)


def test_a_palette_image_keeps_its_transparent_index():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (0, 0, 4, 8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=1)

    rgba = decode_image(buffer.getvalue(), "image")

    assert rgba.getpixel((0, 0))[3] == 0
    assert rgba.getpixel((6, 0)) == (255, 0, 0, 255)


def test_greyscale_with_alpha_keeps_its_alpha():
    image = Image.new("LA", (8, 8), (50, 255))
    image.putpixel((1, 1), (50, 0))

    rgba = decode_image(encoded(image), "image")

    assert rgba.getpixel((1, 1))[3] == 0 and rgba.getpixel((2, 2)) == (50, 50, 50, 255)


def test_a_16_bit_greyscale_image_is_scaled_not_clipped():
    values = np.full((8, 8), 32768, dtype=np.uint16)
    image = Image.fromarray(values)
    assert image.mode == "I;16"

    rgba = decode_image(encoded(image), "image")

    assert rgba.getpixel((0, 0))[:3] == (128, 128, 128)


def test_a_cmyk_image_becomes_rgb():
    image = Image.new("CMYK", (8, 8), (0, 255, 255, 0))

    rgba = decode_image(encoded(image, "JPEG"), "image")

    red, green, blue, alpha = rgba.getpixel((4, 4))
    assert red > 200 and green < 60 and blue < 60 and alpha == 255


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n broken", b"GIF89a"])
def test_unreadable_bytes_are_invalid_input(data):
    with pytest.raises(InvalidInput) as caught:
        decode_image(data, "image")

    assert caught.value.param == "image"
