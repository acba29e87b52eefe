"""An Idempotency-Key retry returns the first response and is charged once."""

import json
import threading

import pytest
import requests

from billing.services import get_balance
from generation.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)

GENERATIONS = "/v1/images/generations"


def _post(client, auth, body, key):
    return client.post(GENERATIONS, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth)


def test_a_retry_gets_the_first_response_and_one_charge(client, auth, alice, fake_model):
    body = {"prompt": "a red cube", "n": 5, "size": "256x256", "response_format": "b64_json"}
    first = _post(client, auth, body, "order-42")
    second = _post(client, auth, body, "order-42")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert Generation.objects.count() == 1
    assert get_balance(alice) == 50 - 2


def test_the_same_key_with_other_parameters_is_refused(client, auth, alice, fake_model):
    assert _post(client, auth, {"prompt": "a red cube", "size": "256x256"}, "k1").status_code == 200
    response = _post(client, auth, {"prompt": "a blue cube", "size": "256x256"}, "k1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert Generation.objects.count() == 1


def test_keys_belong_to_their_user(client, auth, bob_key, fake_model):
    body = {"prompt": "a red cube", "size": "256x256"}
    assert _post(client, auth, body, "shared").status_code == 200
    bob = {"HTTP_AUTHORIZATION": f"Bearer {bob_key}"}
    assert _post(client, bob, body, "shared").status_code == 200
    assert Generation.objects.count() == 2


def test_without_a_key_each_call_is_a_new_request(client, auth, alice, fake_model):
    body = {"prompt": "a red cube", "size": "256x256"}
    client.post(GENERATIONS, json.dumps(body), content_type="application/json", **auth)
    client.post(GENERATIONS, json.dumps(body), content_type="application/json", **auth)
    assert Generation.objects.count() == 2
    assert get_balance(alice) == 48


def test_concurrent_retries_make_one_generation(live, alice, alice_key, fake_model):
    body = {"prompt": "a red cube", "size": "256x256"}
    headers = {"Authorization": f"Bearer {alice_key}", "Idempotency-Key": "race"}
    results = []
    barrier = threading.Barrier(6)

    def call():
        barrier.wait()
        results.append(requests.post(f"{live}{GENERATIONS}", json=body, headers=headers, timeout=60))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 6
    # The same images; each answer signs its URLs afresh (S3 signatures carry the signing time).
    assert len({(r.json()["created"], r.json()["data"][0]["url"].split("?")[0]) for r in results}) == 1
    assert Generation.objects.count() == 1
    assert get_balance(alice) == 49
