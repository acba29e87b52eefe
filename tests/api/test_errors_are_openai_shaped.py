"""Under /v1/ every failure is OpenAI's JSON error, never an HTML page; every response has an x-request-id."""

import pytest
from django.test import Client


def _assert_openai_error(response, status, type="invalid_request_error"):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == type
    assert response["x-request-id"].startswith("req_")
    return error


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/images/generations/", "/v1/images", "/v1/"])
def test_an_unknown_url_is_a_json_404(client, auth, path):
    error = _assert_openai_error(client.post(path, **auth), 404)
    assert path in error["message"]


def test_an_unknown_url_is_a_json_404_even_without_a_key(client):
    _assert_openai_error(client.get("/v1/engines"), 404)


@pytest.mark.parametrize("method, path", [("get", "/v1/images/generations"), ("put", "/v1/images/edits"), ("delete", "/v1/models")])
def test_a_wrong_method_is_a_json_405(client, auth, method, path):
    _assert_openai_error(getattr(client, method)(path, **auth), 405)


def test_an_unexpected_fault_is_a_json_500_without_details(auth, alice, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("generation.api.serializers.validate", broken)
    client = Client(raise_request_exception=False)
    response = client.post("/v1/images/generations", {"prompt": "a red cube"}, content_type="application/json", **auth)
    error = _assert_openai_error(response, 500, type="server_error")
    assert "secret" not in error["message"]


def test_a_disallowed_host_is_a_json_400(client, auth):
    response = client.get("/v1/models", HTTP_HOST="evil.example.com", **auth)
    _assert_openai_error(response, 400)


def test_studio_pages_get_a_request_id_too(client):
    assert client.get("/healthz")["x-request-id"].startswith("req_")


def test_every_api_response_has_its_own_request_id(client, auth):
    first = client.get("/v1/models", **auth)["x-request-id"]
    second = client.get("/v1/models", **auth)["x-request-id"]
    assert first != second
