"""GET /v1/models lists dall-e-2 and any model name the operator enabled."""


def test_it_lists_dall_e_2_in_openais_shape(client, auth):
    body = client.get("/v1/models", **auth).json()
    assert body["object"] == "list"
    assert {"id": "dall-e-2", "object": "model", "owned_by": "easel"}.items() <= body["data"][0].items()


def test_an_operator_can_enable_more_model_names(client, auth, settings):
    settings.EASEL_API_MODELS = ["karlo-v1"]
    assert [m["id"] for m in client.get("/v1/models", **auth).json()["data"]] == ["dall-e-2", "karlo-v1"]
    assert client.get("/v1/models/karlo-v1", **auth).status_code == 200


def test_an_unknown_model_is_a_404(client, auth):
    response = client.get("/v1/models/dall-e-3", **auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_models_need_a_key(client):
    assert client.get("/v1/models").status_code == 401
