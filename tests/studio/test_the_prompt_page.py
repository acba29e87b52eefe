"""The prompt page: a prompt of up to 400 characters, a size, Generate (1 credit)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.services import get_balance
from generation.models import Generation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
URL = reverse("generation:studio")


def test_it_shows_the_prompt_box_surprise_me_and_the_cost(alice_client):
    response = alice_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'maxlength="400"' in html
    assert "Surprise me" in html
    assert "1 credit" in html


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_refuses_other_methods(alice_client):
    assert alice_client.put(URL).status_code == 405


def test_it_starts_four_images_and_charges_one_credit(alice_client, alice):
    response = alice_client.post(URL, {"prompt": "a red circle", "size": "256"})
    generation = Generation.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("generation:detail", args=[generation.public_id])
    assert (generation.n, generation.size, generation.mode) == (4, 256, "generate")
    assert get_balance(alice) == 49


def test_a_refused_prompt_is_explained_inline_and_the_prompt_is_kept(alice_client, alice):
    prompt = "a photo of a naked person, in a garden"
    response = alice_client.post(URL, {"prompt": prompt, "size": "256"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "content policy" in html
    assert prompt in html
    assert not Generation.objects.exists()
    assert get_balance(alice) == 50


def test_a_prompt_over_400_characters_is_refused(alice_client):
    response = alice_client.post(URL, {"prompt": "a" * 401, "size": "256"})
    assert response.status_code == 400
    assert "at most 400 characters" in response.content.decode()


def test_without_credits_it_says_so_and_links_to_buying_more(client, db):
    carol = make_user("carol@example.com", credits=0)
    client.force_login(carol)
    response = client.post(URL, {"prompt": "a red circle", "size": "256"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "enough credits" in html
    assert "Buy credits" in html
    try:
        buy = reverse("billing:buy")
    except Exception:  # noqa: BLE001 - the purchase page may not exist yet
        buy = reverse("billing:overview")
    assert f'href="{buy}"' in html
