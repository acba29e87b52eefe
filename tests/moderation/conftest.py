"""Fixtures for moderation tests: images from scikit-image, a moderator, fresh compiled lists."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


def png_bytes(arr_or_image, fmt: str = "PNG", **save) -> bytes:
    im = arr_or_image if isinstance(arr_or_image, Image.Image) else Image.fromarray(arr_or_image)
    buf = io.BytesIO()
    im.save(buf, fmt, **save)
    return buf.getvalue()


@pytest.fixture(scope="session")
def face_png() -> bytes:
    from skimage import data

    return png_bytes(data.astronaut())  # Eileen Collins: a realistic face, 512×512


@pytest.fixture(scope="session")
def coffee_png() -> bytes:
    from skimage import data

    arr = data.coffee()  # 400×600: a cup of coffee, no face
    side = min(arr.shape[:2])
    return png_bytes(np.ascontiguousarray(arr[:side, :side]))


@pytest.fixture(scope="session", autouse=True)
def _detectors_loaded():
    """Load the ONNX and Haar models once for the whole session."""
    from moderation.lib import images

    images.warm_up()


@pytest.fixture
def moderator(db):
    from tests.conftest import make_user

    user = make_user("mod@example.com")
    user.is_moderator = True
    user.save(update_fields=["is_moderator"])
    return user


@pytest.fixture
def fresh_lists():
    """Recompile the lists before and after a test that edits them."""
    from moderation.services import bump_lists_version

    bump_lists_version()
    yield
    bump_lists_version()


def skin_png(size: int = 256) -> bytes:
    return png_bytes(Image.new("RGB", (size, size), (224, 172, 140)))


def fake_nudity(score: float = 0.9):
    """A stand-in for the nudity detector's output: no photo of nudity ships in any package."""

    def detect(rgb):
        h, w = rgb.shape[:2]
        return [{"class": "FEMALE_BREAST_EXPOSED", "score": score, "box": [0, 0, w, h]}]

    return detect
