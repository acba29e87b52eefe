"""A public link works signed out until the owner revokes it."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_shared_link_works_signed_out_and_dies_when_revoked(client, alice, alices_image):
    client.force_login(alice)
    client.post(reverse("generation:share", args=[alices_image.public_id]))
    alices_image.refresh_from_db()
    link = reverse("generation:shared", args=[alices_image.share_token])
    assert link in client.get(reverse("generation:image", args=[alices_image.public_id])).content.decode()
    client.logout()
    response = client.get(link)
    assert response.status_code == 200
    assert "a red circle" in response.content.decode()
    client.force_login(alice)
    client.post(reverse("generation:unshare", args=[alices_image.public_id]))
    client.logout()
    assert client.get(link).status_code == 404


def test_sharing_twice_keeps_the_same_link(alice_client, alices_image):
    url = reverse("generation:share", args=[alices_image.public_id])
    alice_client.post(url)
    alices_image.refresh_from_db()
    token = alices_image.share_token
    alice_client.post(url)
    alices_image.refresh_from_db()
    assert alices_image.share_token == token


def test_bob_cannot_share_or_revoke_alices_image(bob_client, alices_image):
    assert bob_client.post(reverse("generation:share", args=[alices_image.public_id])).status_code == 404
    assert bob_client.post(reverse("generation:unshare", args=[alices_image.public_id])).status_code == 404
    alices_image.refresh_from_db()
    assert alices_image.share_token is None


@pytest.mark.parametrize("name", ["share", "unshare"])
def test_share_actions_refuse_gets(alice_client, alices_image, name):
    assert alice_client.get(reverse(f"generation:{name}", args=[alices_image.public_id])).status_code == 405


def test_an_unknown_link_is_not_found_and_the_page_refuses_posts(client):
    assert client.get(reverse("generation:shared", args=["nope"])).status_code == 404
    assert client.post(reverse("generation:shared", args=["nope"])).status_code == 405
