"""DALL-E 2's visible signature: five small coloured squares, bottom right.

Pure Pillow so both the worker (which applies it) and the web side (which
checks it in tests and `verify_image`) can use it without torch.
"""

from __future__ import annotations

from PIL import Image

# Muted yellow, cyan, green, red, blue, as on DALL-E 2's images.
SIGNATURE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 255, 102),
    (66, 255, 255),
    (81, 218, 76),
    (255, 110, 60),
    (60, 70, 255),
)


def signature_box(size: int) -> tuple[int, int, int]:
    """(square side, left x, top y) of the signature for an image `size` wide.

    At 1024 px each square is 16 px; it scales with the image and never drops
    below 4 px so it stays visible at 256.
    """
    side = max(4, round(size / 64))
    left = size - 5 * side
    top = size - side
    return side, left, top


def apply_signature(image: Image.Image) -> Image.Image:
    """Return a copy of `image` (RGB) with the five squares in its bottom-right corner."""
    out = image.convert("RGB").copy()
    side, left, top = signature_box(out.width)
    top = out.height - side
    for i, colour in enumerate(SIGNATURE_COLOURS):
        out.paste(colour, (left + i * side, top, left + (i + 1) * side, top + side))
    return out


def has_signature(image: Image.Image, tolerance: int = 12) -> bool:
    """True when the five squares are present (checked at each square's centre)."""
    rgb = image.convert("RGB")
    side, left, _ = signature_box(rgb.width)
    top = rgb.height - side
    for i, colour in enumerate(SIGNATURE_COLOURS):
        px = rgb.getpixel((left + i * side + side // 2, top + side // 2))
        if any(abs(a - b) > tolerance for a, b in zip(px, colour, strict=True)):
            return False
    return True
