"""Interpolation: a strip of five blends from an image to another image or to a text, for one credit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.services import get_balance
from generation.lib import storage
from generation.models import Generation
from tests.studio.conftest import finished_generation

pytestmark = pytest.mark.django_db


def _url(image):
    return reverse("generation:interpolate", args=[image.public_id])


def test_a_blend_to_another_image_is_a_strip_of_five(alice_client, alice, alices_image):
    other = finished_generation(alice, prompt="a blue square", n=1).images.get()
    response = alice_client.post(_url(alices_image), {"other": str(other.public_id)})
    generation = Generation.objects.get(mode="interpolate")
    assert response["Location"] == reverse("generation:detail", args=[generation.public_id])
    assert generation.n == 5
    assert storage.read_bytes(generation.input_image2) == storage.read_bytes(other.storage_key)
    assert get_balance(alice) == 49


def test_a_blend_to_a_text(alice_client, alices_image):
    alice_client.post(_url(alices_image), {"text": "a blue square"})
    generation = Generation.objects.get(mode="interpolate")
    assert (generation.prompt2, generation.input_image2) == ("a blue square", "")


def test_a_refused_text_is_explained_and_kept(alice_client, alices_image):
    response = alice_client.post(_url(alices_image), {"text": "a naked person"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "content policy" in html and "a naked person" in html


def test_it_needs_a_second_image_or_a_text(alice_client, alices_image):
    response = alice_client.post(_url(alices_image), {})
    assert response.status_code == 400
    assert "Choose a second image or describe one." in response.content.decode()


def test_bob_can_neither_blend_alices_image_nor_blend_into_it(client, alice, bob, alices_image):
    client.force_login(bob)
    assert client.get(_url(alices_image)).status_code == 404
    bobs = finished_generation(bob, n=1).images.get()
    assert client.post(_url(bobs), {"other": str(alices_image.public_id)}).status_code == 404


def test_it_refuses_other_methods(alice_client, alices_image):
    assert alice_client.put(_url(alices_image)).status_code == 405
