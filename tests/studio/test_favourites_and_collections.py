"""Favourites, and collections that are private or public with a public page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import Collection

pytestmark = pytest.mark.django_db


def _post(client, name, image, data=None):
    return client.post(reverse(f"generation:{name}", args=[image.public_id]), data or {})


def test_favouriting_and_unfavouriting_an_image(alice_client, alices_image):
    assert _post(alice_client, "favourite", alices_image, {"favourite": "1"}).status_code == 302
    alices_image.refresh_from_db()
    assert alices_image.is_favourite
    page = alice_client.get(reverse("generation:favourites")).content.decode()
    assert reverse("generation:image", args=[alices_image.public_id]) in page
    _post(alice_client, "favourite", alices_image, {"favourite": "0"})
    alices_image.refresh_from_db()
    assert not alices_image.is_favourite


def test_adding_to_a_new_and_then_an_existing_collection(alice_client, alice, alices_image):
    _post(alice_client, "collect", alices_image, {"new_title": "Shapes"})
    collection = Collection.objects.get(owner=alice)
    assert collection.title == "Shapes" and not collection.is_public
    assert list(collection.images.all()) == [alices_image]
    _post(alice_client, "collect", alices_image, {"collection": str(collection.public_id)})
    assert collection.images.count() == 1


def test_a_private_collection_is_not_found_by_others_and_a_public_one_is_seen_signed_out(client, alice, alices_image):
    client.force_login(alice)
    client.post(reverse("generation:collections"), {"title": "Mine"})
    collection = Collection.objects.get()
    _post(client, "collect", alices_image, {"collection": str(collection.public_id)})
    url = reverse("generation:collection", args=[collection.public_id])
    client.logout()
    assert client.get(url).status_code == 404
    collection.is_public = True
    collection.save()
    response = client.get(url)
    assert response.status_code == 200
    assert "Mine" in response.content.decode()


def test_the_owner_makes_it_public_and_removes_an_image(alice_client, alice, alices_image):
    collection = Collection.objects.create(owner=alice, title="Mine")
    collection.images.add(alices_image)
    update = reverse("generation:collection_update", args=[collection.public_id])
    alice_client.post(update, {"is_public": "1"})
    collection.refresh_from_db()
    assert collection.is_public
    alice_client.post(update, {"remove": str(alices_image.public_id)})
    assert collection.images.count() == 0


def test_bob_cannot_add_to_or_change_alices_collection(bob_client, bob, alice, alices_image):
    collection = Collection.objects.create(owner=alice, title="Mine")
    assert _post(bob_client, "collect", alices_image, {"new_title": "Stolen"}).status_code == 404
    update = reverse("generation:collection_update", args=[collection.public_id])
    assert bob_client.post(update, {"is_public": "1"}).status_code == 404
    collection.refresh_from_db()
    assert not collection.is_public


def test_an_empty_collection_name_is_refused(alice_client):
    response = alice_client.post(reverse("generation:collections"), {"title": ""})
    assert response.status_code == 400
    assert "Give the collection a name." in response.content.decode()


@pytest.mark.parametrize("name", ["favourite", "collect"])
def test_the_actions_refuse_gets(alice_client, alices_image, name):
    assert alice_client.get(reverse(f"generation:{name}", args=[alices_image.public_id])).status_code == 405


def test_collection_pages_refuse_other_methods(alice_client, alice):
    collection = Collection.objects.create(owner=alice, title="Mine")
    assert alice_client.put(reverse("generation:collections")).status_code == 405
    assert alice_client.post(reverse("generation:collection", args=[collection.public_id])).status_code == 405
    assert alice_client.get(reverse("generation:collection_update", args=[collection.public_id])).status_code == 405
    assert alice_client.get(reverse("generation:favourites")).status_code == 200
    assert alice_client.post(reverse("generation:favourites")).status_code == 405
