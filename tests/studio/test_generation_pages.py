"""A generation's page and its status JSON: the grid fills as images arrive."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import Generation
from tests.studio.conftest import finished_generation

pytestmark = pytest.mark.django_db


def test_the_status_gives_stage_step_and_each_image_with_its_detail_page(alice_client, alice):
    generation = finished_generation(alice, n=4)
    Generation.objects.filter(pk=generation.pk).update(progress_stage="decoder", progress_step=3, progress_total=10)
    data = alice_client.get(reverse("generation:status", args=[generation.public_id])).json()
    assert (data["stage"], data["step"], data["total"]) == ("decoder", 3, 10)
    assert [im["index"] for im in data["images"]] == [0, 1, 2, 3]
    image = generation.images.get(index=2)
    assert data["images"][2]["detail_url"] == reverse("generation:image", args=[image.public_id])


def test_another_users_generation_is_not_found(bob_client, alice):
    generation = finished_generation(alice)
    assert bob_client.get(reverse("generation:detail", args=[generation.public_id])).status_code == 404
    assert bob_client.get(reverse("generation:status", args=[generation.public_id])).status_code == 404


def test_the_pages_refuse_posts(alice_client, alice):
    generation = finished_generation(alice)
    assert alice_client.post(reverse("generation:detail", args=[generation.public_id])).status_code == 405
    assert alice_client.post(reverse("generation:status", args=[generation.public_id])).status_code == 405


def test_a_blend_is_shown_as_a_strip(alice_client, alice):
    generation = finished_generation(alice, n=5, mode=Generation.Mode.INTERPOLATE, prompt="", prompt2="a blue square")
    html = alice_client.get(reverse("generation:detail", args=[generation.public_id])).content.decode()
    assert "image-grid strip" in html
    assert "a blue square" in html


def test_history_is_paged_and_searchable_by_prompt(alice_client, alice):
    finished_generation(alice, prompt="a red circle", n=1)
    finished_generation(alice, prompt="a green triangle", n=1)
    html = alice_client.get(reverse("generation:history"), {"q": "triangle"}).content.decode()
    assert "a green triangle" in html
    assert "a red circle" not in html
    for i in range(25):
        Generation.objects.create(owner=alice, prompt=f"filler {i}", seed=1)
    page2 = alice_client.get(reverse("generation:history"), {"page": 2})
    assert "Page 2 of 2" in page2.content.decode()


def test_history_shows_only_your_own(bob_client, alice):
    finished_generation(alice, prompt="alice's secret circle", n=1)
    assert "alice's secret circle" not in bob_client.get(reverse("generation:history")).content.decode()


def test_history_refuses_posts(alice_client):
    assert alice_client.post(reverse("generation:history")).status_code == 405
