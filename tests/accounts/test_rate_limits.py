"""Sign-in, sign-up and password resets are rate-limited."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_sign_in_is_refused_after_too_many_attempts_even_with_the_right_password(client, alice, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for _ in range(3):
        response = client.post(reverse("accounts:login"), {"username": "alice@example.com", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "alice@example.com", "password": "correct horse battery"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_guessing_one_account_from_many_addresses_is_limited_per_account(client, alice, settings):
    settings.LOGIN_RATE_LIMIT = 2
    for n in range(2):
        client.post(reverse("accounts:login"), {"username": "alice@example.com", "password": "x"}, REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(reverse("accounts:login"), {"username": "alice@example.com", "password": "x"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def test_sign_up_is_limited_per_address(client, db, settings):
    settings.SIGNUP_RATE_LIMIT = 2
    for n in range(2):
        client.post(reverse("accounts:signup"), {"email": f"u{n}@example.com", "password": "correct horse battery"})
        client.logout()
    response = client.post(reverse("accounts:signup"), {"email": "u9@example.com", "password": "correct horse battery"})
    assert response.status_code == 429
    assert not User.objects.filter(email="u9@example.com").exists()


def test_password_reset_requests_are_limited(client, alice, settings):
    settings.SIGNUP_RATE_LIMIT = 1
    assert client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"}).status_code == 302
    assert client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"}).status_code == 429
