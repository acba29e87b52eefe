"""API generations appear in the owner's studio history like studio ones, marked as from the API."""

import json

import pytest
from django.urls import reverse

from generation.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_api_generation_is_in_the_history_marked_as_from_the_api(client, auth, alice, bob, fake_model):
    response = client.post(
        "/v1/images/generations", json.dumps({"prompt": "a purple pyramid", "size": "256x256"}),
        content_type="application/json", **auth,
    )
    assert response.status_code == 200
    generation = Generation.objects.get()
    assert generation.source == Generation.Source.API

    client.force_login(alice)
    page = client.get(reverse("generation:history")).content.decode()
    assert "a purple pyramid" in page and "via the API" in page
    assert client.get(reverse("generation:detail", args=[generation.public_id])).status_code == 200

    client.force_login(bob)
    assert "a purple pyramid" not in client.get(reverse("generation:history")).content.decode()
