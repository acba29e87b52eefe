"""Variations of one of your images or of an upload (which must pass moderation): three images."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from generation.lib import storage
from generation.models import Generation
from moderation.models import Flag
from tests.studio.conftest import png

pytestmark = pytest.mark.django_db
UPLOAD = reverse("generation:upload")


def test_variations_of_an_image_ask_for_three(alice_client, alices_image):
    response = alice_client.post(reverse("generation:variations", args=[alices_image.public_id]))
    generation = Generation.objects.get(mode="variation")
    assert response["Location"] == reverse("generation:detail", args=[generation.public_id])
    assert (generation.n, generation.parent_image_id) == (3, alices_image.pk)


def test_an_upload_is_cropped_square_and_varied(alice_client):
    upload = SimpleUploadedFile("wide.png", png((300, 200), (20, 160, 90, 255)), content_type="image/png")
    response = alice_client.post(UPLOAD, {"image": upload, "size": "256"})
    assert response.status_code == 302
    generation = Generation.objects.get(mode="variation")
    assert generation.n == 3 and generation.size == 256
    assert Image.open(io.BytesIO(storage.read_bytes(generation.input_image))).size == (200, 200)


def test_a_file_that_is_not_an_image_is_refused_inline(alice_client):
    upload = SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png")
    response = alice_client.post(UPLOAD, {"image": upload, "size": "256"})
    assert response.status_code == 400
    assert "not a valid image" in response.content.decode()
    assert not Generation.objects.exists()


def test_a_refused_upload_is_flagged_and_shown_in_plain_words(alice_client, alice, monkeypatch):
    from moderation import services as moderation

    monkeypatch.setattr(moderation, "check_upload", lambda data, **kw: moderation.Verdict(False, "face", {"faces": 1}))
    upload = SimpleUploadedFile("me.png", png((64, 64)), content_type="image/png")
    response = alice_client.post(UPLOAD, {"image": upload, "size": "256"})
    assert response.status_code == 400
    assert "realistic human faces are not allowed" in response.content.decode()
    assert Flag.objects.get(user=alice).target == "upload"
    assert not Generation.objects.exists()


def test_bob_cannot_vary_alices_image(bob_client, alices_image):
    assert bob_client.post(reverse("generation:variations", args=[alices_image.public_id])).status_code == 404


def test_the_wrong_methods_are_refused(alice_client, alices_image):
    assert alice_client.get(reverse("generation:variations", args=[alices_image.public_id])).status_code == 405
    assert alice_client.put(UPLOAD).status_code == 405
    assert alice_client.get(UPLOAD).status_code == 200
