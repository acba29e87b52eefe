"""Every bad parameter is a 400 invalid_request_error whose `param` names it, and nothing is charged."""

import json

import pytest

from billing.services import get_balance
from generation.models import Generation
from tests.api.conftest import png, upload

GENERATIONS = "/v1/images/generations"
EDITS = "/v1/images/edits"
VARIATIONS = "/v1/images/variations"


def _post_json(client, auth, body, path=GENERATIONS):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **auth)


def _assert_refused(response, param, code=None):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    if code:
        assert error["code"] == code
    assert error["message"]
    return error


@pytest.mark.parametrize(
    "body, param, code",
    [
        ({"prompt": "a red cube", "n": 0}, "n", "integer_below_min_value"),
        ({"prompt": "a red cube", "n": 11}, "n", "integer_above_max_value"),
        ({"prompt": "a red cube", "n": "2"}, "n", "invalid_type"),
        ({"prompt": "a red cube", "n": 2.5}, "n", "invalid_type"),
        ({"prompt": "a red cube", "n": True}, "n", "invalid_type"),
        ({"prompt": "a red cube", "size": "300x300"}, "size", "invalid_value"),
        ({"prompt": "a red cube", "size": "1792x1024"}, "size", "invalid_value"),
        ({"prompt": "a red cube", "response_format": "jpeg"}, "response_format", "invalid_value"),
        ({}, "prompt", "missing_required_parameter"),
        ({"n": 2}, "prompt", "missing_required_parameter"),
        ({"prompt": ""}, "prompt", "empty_string"),
        ({"prompt": "   "}, "prompt", "empty_string"),
        ({"prompt": "x" * 1001}, "prompt", "string_above_max_length"),
        ({"prompt": 42}, "prompt", "invalid_type"),
        ({"prompt": "a red cube", "model": "dall-e-9"}, "model", "model_not_found"),
        ({"prompt": "a red cube", "quality": "hd"}, "quality", "invalid_value"),
        ({"prompt": "a red cube", "style": "vivid"}, "style", "unknown_parameter"),
    ],
)
def test_a_bad_generation_parameter_is_named(client, auth, alice, body, param, code):
    _assert_refused(_post_json(client, auth, body), param, code)
    assert not Generation.objects.exists()
    assert get_balance(alice) == 50


@pytest.mark.parametrize("body", ['["a red cube"]', '"a red cube"', "42", "null"])
def test_json_that_is_not_an_object_is_refused(client, auth, body):
    error = _assert_refused(_post_json(client, auth, body), None, "invalid_body")
    assert "JSON object" in error["message"]


def test_malformed_json_is_a_400_not_an_html_page(client, auth):
    _assert_refused(_post_json(client, auth, '{"prompt": "a red cube",'), None, "invalid_body")


def test_a_form_post_to_generations_is_the_wrong_content_type(client, auth):
    response = client.post(GENERATIONS, {"prompt": "a red cube"}, **auth)
    _assert_refused(response, None, "invalid_content_type")


def test_json_to_edits_is_the_wrong_content_type(client, auth):
    _assert_refused(_post_json(client, auth, {"prompt": "a red cube"}, EDITS), None, "invalid_content_type")


def test_a_1000_character_prompt_passes_validation(client, db):
    # One character under the limit passes validation and reaches billing (here: no credits).
    from accounts.services import create_api_key
    from tests.conftest import make_user

    _, key = create_api_key(make_user("dora@example.com", credits=0), name="app")
    response = _post_json(client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}, {"prompt": "x" * 1000})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "insufficient_quota"


# --- uploads ---------------------------------------------------------------------


def _edit(client, auth, **files_and_fields):
    data = {"prompt": "a red cube on a table", **files_and_fields}
    return client.post(EDITS, data, **auth)


def _big_png() -> bytes:
    import io
    import os

    from PIL import Image

    # Noise does not compress: 1200x1200 RGBA noise is about 5.8 MB.
    im = Image.frombytes("RGBA", (1200, 1200), os.urandom(1200 * 1200 * 4))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=0)
    data = buf.getvalue()
    assert len(data) > 4 * 1024 * 1024
    return data


HOLE = (8, 8, 40, 40)


@pytest.mark.parametrize(
    "make, param, code",
    [
        (lambda: b"GIF89a not a png at all", "image", "invalid_image_format"),
        (lambda: _jpeg(), "image", "invalid_image_format"),
        (lambda: png((64, 32), transparent_box=HOLE), "image", "image_not_square"),
        (lambda: _big_png(), "image", "image_too_large"),
        (lambda: png(transparent_box=HOLE)[:-40], "image", "invalid_image"),
        (lambda: png(transparent_box=HOLE)[:60], "image", "invalid_image"),
        (lambda: _corrupt_crc(png(transparent_box=HOLE)), "image", "invalid_image"),
        (lambda: png((8000, 8000), mode="L"), "image", "image_too_large"),
    ],
)
def test_a_bad_image_is_named(client, auth, alice, make, param, code):
    _assert_refused(_edit(client, auth, image=upload(make())), param, code)
    _assert_refused(client.post(VARIATIONS, {"image": upload(make())}, **auth), param, code)
    assert not Generation.objects.exists()


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buf, "JPEG")
    return buf.getvalue()


def _corrupt_crc(data: bytes) -> bytes:
    # Flip a byte inside the IDAT chunk's data: its CRC no longer matches.
    at = data.index(b"IDAT") + 10
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def test_an_edit_needs_a_mask_or_transparency(client, auth):
    _assert_refused(_edit(client, auth, image=upload(png())), "image", "image_not_transparent")


def test_a_mask_of_another_size_is_refused(client, auth):
    response = _edit(client, auth, image=upload(png()), mask=upload(png((32, 32), transparent_box=(0, 0, 8, 8))))
    _assert_refused(response, "mask", "mask_size_mismatch")


def test_a_mask_without_transparent_pixels_is_refused(client, auth):
    _assert_refused(_edit(client, auth, image=upload(png()), mask=upload(png())), "mask", "image_not_transparent")


def test_a_mask_that_is_not_a_png_is_refused(client, auth):
    _assert_refused(_edit(client, auth, image=upload(png()), mask=upload(_jpeg())), "mask", "invalid_image_format")


def test_an_edit_without_an_image_is_refused(client, auth):
    _assert_refused(client.post(EDITS, {"prompt": "a red cube"}, **auth), "image", "missing_required_parameter")


def test_an_image_sent_as_text_is_refused(client, auth):
    _assert_refused(client.post(VARIATIONS, {"image": "not a file"}, **auth), "image", "invalid_type")


def test_an_edit_without_a_prompt_is_refused(client, auth):
    response = client.post(EDITS, {"image": upload(png(transparent_box=HOLE))}, **auth)
    _assert_refused(response, "prompt", "missing_required_parameter")


def test_a_variation_takes_no_prompt(client, auth):
    response = client.post(VARIATIONS, {"image": upload(png()), "prompt": "a red cube"}, **auth)
    _assert_refused(response, "prompt", "unknown_parameter")


@pytest.mark.parametrize("field, value", [("n", "0"), ("n", "11"), ("n", "two"), ("size", "100x100"), ("response_format", "png")])
def test_bad_multipart_options_are_named(client, auth, field, value):
    _assert_refused(client.post(VARIATIONS, {"image": upload(png()), field: value}, **auth), field)
