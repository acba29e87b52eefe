"""The official `openai` client, pointed at Easel with only base_url changed, against a real
ASGI server and a real Celery worker running the tiny model."""

from __future__ import annotations

import base64
import io
import urllib.request
import warnings

import openai
import pytest
from PIL import Image

from accounts.models import ApiCall
from billing.services import get_balance
from generation.models import Generation
from tests.api.conftest import png

pytestmark = pytest.mark.e2e

HOLE = (16, 16, 48, 48)


def _fetch(url: str) -> Image.Image:
    # No Authorization header, no cookie: the signed URL alone must be enough.
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"] == "image/png"
        return Image.open(io.BytesIO(response.read()))


def _decode(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


@pytest.mark.parametrize("size", ["256x256", "512x512", "1024x1024"])
def test_generate_returns_fetchable_urls_at_every_size(openai_client, gpu_worker, alice, size):
    result = openai_client.images.generate(model="dall-e-2", prompt="a red cube on a blue floor", size=size)
    assert len(result.data) == 1
    side = int(size.split("x")[0])
    image = _fetch(result.data[0].url)
    assert image.format == "PNG" and image.size == (side, side)
    assert abs(result.created - Generation.objects.get().created_at.timestamp()) < 2


def test_generate_ten_images_as_base64_costs_three_credits(openai_client, gpu_worker, alice):
    result = openai_client.images.generate(prompt="a yellow star", n=10, size="256x256", response_format="b64_json")
    assert len(result.data) == 10
    assert all(_decode(item.b64_json).size == (256, 256) for item in result.data)
    assert all(item.url is None for item in result.data)
    assert get_balance(alice) == 50 - 3


def test_api_generations_are_in_the_users_history_marked_as_from_the_api(openai_client, gpu_worker, alice, alice_key):
    openai_client.images.generate(prompt="a green triangle", n=2, size="256x256")
    generation = Generation.objects.get()
    assert generation.owner == alice
    assert generation.source == Generation.Source.API
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.images.count() == 2
    assert ApiCall.objects.get(generation=generation).api_key.user == alice


def test_edit_with_a_mask(openai_client, gpu_worker, alice):
    image = png((128, 128))
    mask = png((128, 128), transparent_box=(32, 32, 96, 96))
    result = openai_client.images.edit(
        image=("photo.png", image, "image/png"), mask=("mask.png", mask, "image/png"),
        prompt="a red circle in the middle", n=3, size="256x256",
    )
    assert [(_fetch(item.url).size) for item in result.data] == [(256, 256)] * 3
    generation = Generation.objects.get()
    assert generation.mode == Generation.Mode.EDIT and generation.input_mask
    assert get_balance(alice) == 49


def test_edit_with_the_images_own_transparency_as_base64(openai_client, gpu_worker):
    result = openai_client.images.edit(
        image=("photo.png", png((64, 64), transparent_box=HOLE), "image/png"),
        prompt="a blue square", size="512x512", response_format="b64_json",
    )
    assert _decode(result.data[0].b64_json).size == (512, 512)
    assert not Generation.objects.get().input_mask


def test_create_variation(openai_client, gpu_worker, alice):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = openai_client.images.create_variation(image=("photo.png", png(), "image/png"), n=4, size="256x256")
    assert len(result.data) == 4
    assert Generation.objects.get().mode == Generation.Mode.VARIATION
    assert get_balance(alice) == 50 - 2


# --- errors, as the client's exception classes ----------------------------------------


@pytest.mark.parametrize(
    "kwargs, param, code",
    [
        ({"n": 11}, "n", "integer_above_max_value"),
        ({"n": 0}, "n", "integer_below_min_value"),
        ({"size": "640x480"}, "size", "invalid_value"),
        ({"response_format": "webp"}, "response_format", "invalid_value"),
        ({"model": "dall-e-9"}, "model", "model_not_found"),
        ({"prompt": "x" * 1001}, "prompt", "string_above_max_length"),
    ],
)
def test_bad_parameters_raise_bad_request_error(openai_client, kwargs, param, code):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.images.generate(**{"prompt": "a red cube", **kwargs})
    assert caught.value.status_code == 400
    assert caught.value.code == code
    assert caught.value.param == param
    assert caught.value.type == "invalid_request_error"
    assert caught.value.request_id.startswith("req_")


def test_a_refused_prompt_raises_a_content_policy_violation(openai_client, alice):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.images.generate(prompt="a gory battlefield")
    assert caught.value.code == "content_policy_violation"
    assert caught.value.param == "prompt"
    assert get_balance(alice) == 50


def test_a_bad_upload_raises_bad_request_error_naming_it(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.images.edit(image=("a.png", png((64, 32)), "image/png"), prompt="x")
    assert (caught.value.param, caught.value.code) == ("image", "image_not_square")


def test_a_wrong_key_raises_authentication_error(live):
    client = openai.OpenAI(api_key="sk-easel-wrong", base_url=f"{live}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.images.generate(prompt="a red cube")
    assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"


def test_running_out_of_credits_raises_rate_limit_error_with_insufficient_quota(live):
    from accounts.services import create_api_key
    from tests.conftest import make_user

    _, key = create_api_key(make_user("dora@example.com", credits=0), name="app")
    client = openai.OpenAI(api_key=key, base_url=f"{live}/v1", max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        client.images.generate(prompt="a red cube")
    assert caught.value.code == "insufficient_quota"
    assert caught.value.response.headers["x-should-retry"] == "false"


def test_going_over_the_rate_limit_raises_rate_limit_error(openai_client, settings):
    settings.EASEL_API_RATE_LIMIT = 2
    openai_client.models.list()
    openai_client.models.list()
    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.models.list()
    assert caught.value.code == "rate_limit_exceeded"
    headers = caught.value.response.headers
    assert int(headers["retry-after"]) >= 1
    assert headers["x-ratelimit-limit-requests"] == "2"
    assert headers["x-ratelimit-remaining-requests"] == "0"


def test_models_lists_dall_e_2_and_an_unknown_model_is_not_found(openai_client):
    assert "dall-e-2" in [m.id for m in openai_client.models.list().data]
    assert openai_client.models.retrieve("dall-e-2").id == "dall-e-2"
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.models.retrieve("dall-e-9")
    assert caught.value.code == "model_not_found"
