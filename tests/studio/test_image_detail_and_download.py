"""An image's page: full size, prompt, date, model, and its actions; Download gives the PNG."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import GeneratedImage

pytestmark = pytest.mark.django_db


def test_it_shows_the_image_prompt_model_and_every_action(alice_client, alices_image):
    response = alice_client.get(reverse("generation:image", args=[alices_image.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "a red circle" in html and "easel-test" in html
    for action in ("Edit", "Extend", "Variations", "Blend", "Download", "Favourite", "Create a public link", "Report this image"):
        assert action in html
    assert reverse("moderation:report", args=[alices_image.public_id]) in html


def test_download_is_an_attached_png(alice_client, alices_image):
    response = alice_client.get(reverse("generation:download", args=[alices_image.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["image", "download"])
def test_another_users_image_is_not_found(bob_client, alices_image, name):
    assert bob_client.get(reverse(f"generation:{name}", args=[alices_image.public_id])).status_code == 404


@pytest.mark.parametrize("name", ["image", "download"])
def test_anonymous_visitors_are_sent_to_sign_in(client, alices_image, name):
    assert client.get(reverse(f"generation:{name}", args=[alices_image.public_id])).status_code == 302


@pytest.mark.parametrize("name", ["image", "download"])
def test_they_refuse_posts(alice_client, alices_image, name):
    assert alice_client.post(reverse(f"generation:{name}", args=[alices_image.public_id])).status_code == 405


def test_a_hidden_image_is_not_found(alice_client, alices_image):
    GeneratedImage.objects.filter(pk=alices_image.pk).update(hidden=True)
    assert alice_client.get(reverse("generation:image", args=[alices_image.public_id])).status_code == 404
