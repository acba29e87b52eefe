"""Studio fixtures: finished generations with stored PNGs (no model run), and PNG helpers."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.utils import timezone
from PIL import Image

from generation.lib import storage
from generation.models import GeneratedImage, Generation


def png(size=(64, 64), colour=(30, 120, 200, 255), *, transparent_box=None) -> bytes:
    im = Image.new("RGBA", size, colour)
    if transparent_box:
        im.paste((0, 0, 0, 0), transparent_box)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def finished_generation(user, *, prompt="a red circle", n=4, size=256, mode=Generation.Mode.GENERATE, **fields) -> Generation:
    """A succeeded generation whose images are really in storage."""
    generation = Generation.objects.create(
        owner=user, prompt=prompt, n=n, size=size, seed=1, mode=mode, status=Generation.Status.SUCCEEDED,
        finished_at=timezone.now(), model_name="easel-test", **fields,
    )
    for index in range(n):
        data = png((size, size), (40 * index, 100, 200, 255))
        key = storage.save_bytes(storage.image_key(user.pk, generation.public_id, index), data)
        GeneratedImage.objects.create(
            generation=generation, index=index, storage_key=key, width=size, height=size,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return generation


@pytest.fixture
def alices_image(alice) -> GeneratedImage:
    return finished_generation(alice).images.get(index=0)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client
