"""The editor: the erased area (transparent in the mask) is repainted; three candidates; keep one."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from billing.services import get_balance
from generation.lib import storage
from generation.models import Generation
from tests.studio.conftest import png

pytestmark = pytest.mark.django_db


def _mask(**kw):
    return SimpleUploadedFile("mask.png", png((256, 256), (0, 0, 0, 255), **kw), content_type="image/png")


def _submit(client, image, prompt="a red circle on a green background", **kw):
    return client.post(reverse("generation:edit_submit", args=[image.public_id]), {"prompt": prompt, "mask": _mask(**kw)})


def test_the_editor_page_shows_the_image_and_a_prompt_for_the_whole_picture(alice_client, alices_image):
    html = alice_client.get(reverse("generation:editor", args=[alices_image.public_id])).content.decode()
    assert "edit-canvas" in html
    assert "Describe the whole new picture" in html
    assert "1 credit" in html


def test_an_edit_asks_for_three_candidates_from_the_stored_original(alice_client, alice, alices_image):
    response = _submit(alice_client, alices_image, transparent_box=(128, 0, 256, 256))
    assert response.status_code == 201
    generation = Generation.objects.get(mode="edit")
    assert response.json()["status_url"] == reverse("generation:status", args=[generation.public_id])
    assert (generation.n, generation.parent_image_id, generation.size) == (3, alices_image.pk, 256)
    assert storage.read_bytes(generation.input_image) == storage.read_bytes(alices_image.storage_key)
    alpha = Image.open(io.BytesIO(storage.read_bytes(generation.input_mask))).getchannel("A")
    assert alpha.getpixel((200, 10)) == 0 and alpha.getpixel((10, 10)) == 255
    assert get_balance(alice) == 49


@pytest.mark.parametrize(("box", "message"), [
    (None, "Erase the part of the image"),
    ((0, 0, 256, 256), "Leave some of the image unerased"),
])
def test_a_mask_with_nothing_or_everything_erased_is_refused(alice_client, alice, alices_image, box, message):
    response = _submit(alice_client, alices_image, transparent_box=box)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Generation.objects.filter(mode="edit").exists()
    assert get_balance(alice) == 50


def test_a_refused_prompt_comes_back_as_a_plain_message(alice_client, alices_image):
    response = _submit(alice_client, alices_image, prompt="a naked person", transparent_box=(128, 0, 256, 256))
    assert response.status_code == 400
    assert "content policy" in response.json()["error"]


def test_keeping_a_candidate_marks_it_kept(alice_client, alice, alices_image):
    response = alice_client.post(reverse("generation:keep", args=[alices_image.public_id]), HTTP_ACCEPT="application/json")
    assert response.json()["detail_url"] == reverse("generation:image", args=[alices_image.public_id])
    alices_image.refresh_from_db()
    assert alices_image.kept


def test_bob_cannot_edit_or_keep_alices_image(bob_client, alices_image):
    assert bob_client.get(reverse("generation:editor", args=[alices_image.public_id])).status_code == 404
    assert _submit(bob_client, alices_image, transparent_box=(128, 0, 256, 256)).status_code == 404
    assert bob_client.post(reverse("generation:keep", args=[alices_image.public_id])).status_code == 404


def test_editor_urls_refuse_the_wrong_method(alice_client, alices_image):
    assert alice_client.post(reverse("generation:editor", args=[alices_image.public_id])).status_code == 405
    assert alice_client.get(reverse("generation:edit_submit", args=[alices_image.public_id])).status_code == 405
    assert alice_client.get(reverse("generation:keep", args=[alices_image.public_id])).status_code == 405
