"""API keys: created, named and revoked on the account page, shown once, stored hashed, sent as Bearer."""

import hashlib

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from accounts.services import create_api_key, revoke_api_key

MODELS = "/v1/models"


def test_a_key_is_stored_only_as_its_hash(alice):
    api_key, plaintext = create_api_key(alice, name="my app")
    api_key.refresh_from_db()
    assert plaintext.startswith("sk-easel-") and len(plaintext) > 40
    assert api_key.hashed_key == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in {str(v) for v in ApiKey.objects.values_list("name", "prefix", "hashed_key").get()}
    assert plaintext.startswith(api_key.prefix)


def test_a_bearer_key_is_accepted_and_its_use_recorded(client, alice):
    api_key, plaintext = create_api_key(alice, name="my app")
    response = client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer sk-easel-not-a-real-key-0123456789", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "sk-easel-no-scheme"],
)
def test_a_missing_or_wrong_key_is_a_401_in_openai_shape(client, alice_key, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(MODELS, **extra)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] is None
    assert response["WWW-Authenticate"].startswith("Bearer")
    if header and header.startswith("Bearer sk-"):
        assert error["code"] == "invalid_api_key"
        assert "not-a-real-key" not in error["message"]


def test_a_revoked_key_stops_working_at_once(client, alice):
    api_key, plaintext = create_api_key(alice, name="my app")
    assert client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    revoke_api_key(api_key, actor=alice)
    response = client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_disabled_accounts_key_is_refused(client, alice, alice_key):
    alice.is_active = False
    alice.save()
    assert client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {alice_key}").status_code == 401


# --- the account page ------------------------------------------------------------


def test_the_account_page_creates_a_named_key_and_shows_it_once(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:api_key_create"), {"name": "shop bot"})
    assert response.status_code == 201
    api_key = ApiKey.objects.get(user=alice)
    assert api_key.name == "shop bot"
    page = response.content.decode()
    plaintext = page.split('id="new-api-key">')[1].split("<")[0]
    assert hashlib.sha256(plaintext.encode()).hexdigest() == api_key.hashed_key
    assert response["Cache-Control"] == "no-store"

    again = client.get(reverse("accounts:profile")).content.decode()
    assert "shop bot" in again and api_key.prefix in again
    assert plaintext not in again


def test_a_key_needs_a_name(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:api_key_create"), {"name": ""})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_the_account_page_revokes_a_key(client, alice):
    api_key, _ = create_api_key(alice, name="old app")
    client.force_login(alice)
    response = client.post(reverse("accounts:api_key_revoke", args=[api_key.pk]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "was revoked" in page
    assert api_key.prefix not in page


def test_bob_cannot_revoke_alices_key(client, alice, bob):
    api_key, _ = create_api_key(alice, name="alice's app")
    client.force_login(bob)
    assert client.post(reverse("accounts:api_key_revoke", args=[api_key.pk])).status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_key_pages_need_a_signed_in_user_and_post(client, alice):
    api_key, _ = create_api_key(alice, name="app")
    revoke = reverse("accounts:api_key_revoke", args=[api_key.pk])
    create = reverse("accounts:api_key_create")
    assert client.post(create, {"name": "x"}).status_code == 302
    assert client.post(revoke).status_code == 302
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()
    client.force_login(alice)
    assert client.get(create).status_code == 405
    assert client.get(revoke).status_code == 405
