"""Outpainting: a canvas kept on the server, a 1024 frame, candidates, and a canvas that grows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from generation import studio_services
from generation.lib import storage
from generation.models import GeneratedImage, Generation, OutpaintCanvas
from tests.studio.conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def canvas(alice_client, alices_image) -> OutpaintCanvas:
    response = alice_client.post(reverse("generation:outpaint", args=[alices_image.public_id]))
    canvas = OutpaintCanvas.objects.get()
    assert response["Location"] == reverse("generation:canvas", args=[canvas.public_id])
    return canvas


def _frame(client, canvas, x, y, prompt="a red circle on a wide green field"):
    return client.post(reverse("generation:canvas_frame", args=[canvas.public_id]), {"x": x, "y": y, "prompt": prompt})


def _finish(generation: Generation) -> None:
    """Finish the frame's generation as if the model had painted every candidate orange."""
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.SUCCEEDED)
    for index in range(generation.n):
        data = png((256, 256), (255, 128, 0, 255))
        key = storage.save_bytes(storage.image_key(generation.owner_id, generation.public_id, index), data)
        GeneratedImage.objects.create(generation=generation, index=index, storage_key=key, width=256, height=256, sha256="-")


def test_a_new_canvas_holds_the_image_as_one_frame(canvas, alice_client):
    assert (canvas.width, canvas.height, canvas.origin_x, canvas.origin_y) == (1024, 1024, 0, 0)
    assert Image.open(io.BytesIO(storage.read_bytes(canvas.storage_key))).size == (1024, 1024)
    html = alice_client.get(reverse("generation:canvas", args=[canvas.public_id])).content.decode()
    assert "gen-frame" in html and "1 credit" in html


def test_a_frame_half_off_the_right_edge_asks_for_four_candidates_with_the_empty_half_masked(canvas, alice_client):
    response = _frame(alice_client, canvas, 512, 0)
    assert response.status_code == 201
    generation = Generation.objects.get(canvas=canvas)
    assert (generation.mode, generation.n, generation.frame_x, generation.frame_y) == ("edit", 4, 512, 0)
    mask = Image.open(io.BytesIO(storage.read_bytes(generation.input_mask))).getchannel("A")
    assert mask.size == (256, 256)
    assert mask.getpixel((10, 128)) == 255  # over the picture: kept
    assert mask.getpixel((200, 128)) == 0  # past its edge: painted


@pytest.mark.parametrize(("x", "message"), [(0, "part of it is empty"), (2048, "overlaps the picture")])
def test_a_frame_must_overlap_the_picture_and_leave_something_to_paint(canvas, alice_client, x, message):
    response = _frame(alice_client, canvas, x, 0)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_keeping_a_candidate_grows_the_canvas_and_only_paints_the_empty_part(canvas, alice_client):
    original = Image.open(io.BytesIO(storage.read_bytes(canvas.storage_key))).convert("RGBA")
    _frame(alice_client, canvas, 512, 0)
    generation = Generation.objects.get(canvas=canvas)
    _finish(generation)
    chosen = generation.images.get(index=2)
    response = alice_client.post(reverse("generation:canvas_keep", args=[canvas.public_id]), {"image": str(chosen.public_id)})
    assert response.status_code == 200
    assert response.json()["width"] == 1536
    canvas.refresh_from_db()
    assert (canvas.width, canvas.height, canvas.version) == (1536, 1024, 2)
    grown = Image.open(io.BytesIO(storage.read_bytes(canvas.storage_key))).convert("RGBA")
    assert grown.getpixel((100, 100)) == original.getpixel((100, 100))
    assert grown.getpixel((1400, 500))[:3] == (255, 128, 0)
    chosen.refresh_from_db()
    assert chosen.kept
    export = alice_client.get(reverse("generation:canvas_export", args=[canvas.public_id]))
    assert export["Content-Disposition"].startswith("attachment;")
    assert Image.open(io.BytesIO(export.content)).size == (1536, 1024)


def test_growing_to_the_left_moves_the_origin_not_the_picture(canvas, alice):
    generation = studio_services.submit_outpaint(alice, canvas, x=-512, y=-256, prompt="a red circle")
    _finish(generation)
    canvas = studio_services.keep_outpaint_candidate(alice, canvas, generation.images.get(index=0))
    assert (canvas.origin_x, canvas.origin_y, canvas.width, canvas.height) == (-512, -256, 1536, 1280)


def test_a_candidate_of_another_canvas_cannot_be_kept(canvas, alice_client, alices_image):
    response = alice_client.post(reverse("generation:canvas_keep", args=[canvas.public_id]), {"image": str(alices_image.public_id)})
    assert response.status_code == 400
    assert "not one of this frame's candidates" in response.json()["error"]


def test_bob_cannot_see_or_use_alices_canvas(canvas, client, bob, alices_image):
    client.force_login(bob)
    assert client.post(reverse("generation:outpaint", args=[alices_image.public_id])).status_code == 404
    for name in ("canvas", "canvas_state", "canvas_export"):
        assert client.get(reverse(f"generation:{name}", args=[canvas.public_id])).status_code == 404
    assert _frame(client, canvas, 512, 0).status_code == 404
    assert client.post(reverse("generation:canvas_keep", args=[canvas.public_id]), {"image": str(alices_image.public_id)}).status_code == 404


def test_canvas_urls_refuse_the_wrong_method(canvas, alice_client, alices_image):
    assert alice_client.get(reverse("generation:outpaint", args=[alices_image.public_id])).status_code == 405
    for name in ("canvas", "canvas_state", "canvas_export"):
        assert alice_client.post(reverse(f"generation:{name}", args=[canvas.public_id])).status_code == 405
    for name in ("canvas_frame", "canvas_keep"):
        assert alice_client.get(reverse(f"generation:{name}", args=[canvas.public_id])).status_code == 405


def test_the_canvas_state_survives_a_reload(canvas, alice_client):
    state = alice_client.get(reverse("generation:canvas_state", args=[canvas.public_id])).json()
    assert (state["width"], state["height"], state["frame"]) == (1024, 1024, 1024)
