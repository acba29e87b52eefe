"""Requests per API key per window, counted in Redis, with OpenAI's x-ratelimit headers."""

import time

import pytest

from accounts.models import ApiKey

MODELS = "/v1/models"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.EASEL_API_RATE_LIMIT = 3
    settings.EASEL_API_RATE_WINDOW_S = 60


def test_every_response_says_where_the_key_stands(client, auth):
    response = client.get(MODELS, **auth)
    assert response["x-ratelimit-limit-requests"] == "3"
    assert response["x-ratelimit-remaining-requests"] == "2"
    assert response["x-ratelimit-reset-requests"].endswith("s")


def test_over_the_limit_is_a_429_with_retry_after(client, auth):
    for _ in range(3):
        assert client.get(MODELS, **auth).status_code == 200
    response = client.get(MODELS, **auth)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
    assert 1 <= int(response["retry-after"]) <= 60
    assert response["x-ratelimit-remaining-requests"] == "0"


def test_image_requests_are_limited_before_anything_is_charged(client, auth, alice):
    from billing.services import get_balance

    for _ in range(3):
        client.get(MODELS, **auth)
    response = client.post("/v1/images/generations", {"prompt": "a red cube"}, content_type="application/json", **auth)
    assert response.status_code == 429
    assert get_balance(alice) == 50


def test_the_limit_is_per_key(client, auth, bob_key):
    for _ in range(4):
        client.get(MODELS, **auth)
    assert client.get(MODELS, HTTP_AUTHORIZATION=f"Bearer {bob_key}").status_code == 200


def test_a_key_can_have_its_own_limit(client, auth, alice):
    ApiKey.objects.filter(user=alice).update(rate_limit=5)
    for _ in range(5):
        assert client.get(MODELS, **auth).status_code == 200
    assert client.get(MODELS, **auth).status_code == 429


def test_the_window_resets(client, auth, settings):
    settings.EASEL_API_RATE_WINDOW_S = 1
    settings.EASEL_API_RATE_LIMIT = 1
    # Start at the beginning of a window so that both requests fall in it.
    time.sleep(1 - time.time() % 1)
    assert client.get(MODELS, **auth).status_code == 200
    assert client.get(MODELS, **auth).status_code == 429
    time.sleep(1.05)
    assert client.get(MODELS, **auth).status_code == 200


def test_the_counter_lives_in_redis_when_configured(client, auth, alice_key, settings):
    import redis

    from accounts.services import hash_api_key

    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the embedded default counts in memory")
    client.get(MODELS, **auth)
    # Shared by every web process: the count is in Redis, not in this process.
    found = redis.Redis.from_url(settings.REDIS_URL).keys(f"*easel:api:ratelimit:{hash_api_key(alice_key)[:24]}:*")
    assert found
