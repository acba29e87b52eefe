"""The Images API's parameters, limits and defaults (PRODUCT.md §4), and its responses.

Validation errors become one OpenAI error: the first offending parameter is
`param`, and `code` says what was wrong with it (OpenAI's own codes).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from generation.api.errors import ApiError, invalid

SIZES = {"256x256": 256, "512x512": 512, "1024x1024": 1024}
RESPONSE_FORMATS = ["url", "b64_json"]
PROMPT_MAX = 1000
DEFAULTS = {"model": "dall-e-2", "n": 1, "size": "1024x1024", "response_format": "url", "quality": "standard"}

# DRF's error codes, as OpenAI names them.
_CODES = {
    "required": "missing_required_parameter",
    "blank": "empty_string",
    "max_length": "string_above_max_length",
    "min_value": "integer_below_min_value",
    "max_value": "integer_above_max_value",
    "max_string_length": "integer_above_max_value",
    "invalid_choice": "invalid_value",
    "invalid": "invalid_type",
    "null_characters_not_allowed": "invalid_value",
    "surrogate_characters_not_allowed": "invalid_value",
}


def api_models() -> list[str]:
    """The model names the API accepts: dall-e-2 always, and what the operator enabled."""
    names = ["dall-e-2", settings.EASEL_MODEL_NAME, *settings.EASEL_API_MODELS]
    return list(dict.fromkeys(n for n in names if n))


def _messages(name: str, **extra: str) -> dict[str, str]:
    return {
        "required": f"Missing required parameter: '{name}'.",
        "invalid": f"Invalid type for '{name}'.",
        "null": f"Invalid type for '{name}': expected a value, got null.",
        **extra,
    }


class StrictCharField(serializers.CharField):
    """A string; in a JSON body, only a JSON string (no numbers turned into text)."""

    def to_internal_value(self, data):
        if self.context.get("json") and not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer; in a JSON body, only a JSON integer (no "2", 2.5 or true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (self.context.get("json") and not isinstance(data, int)):
            self.fail("invalid")
        return super().to_internal_value(data)


class ImageOptions(serializers.Serializer):
    """What every image endpoint takes besides its inputs. Null means the default."""

    model = StrictCharField(
        required=False, allow_null=True, default=None, help_text="`dall-e-2` (the default).",
        error_messages=_messages("model", blank="Invalid value for 'model': empty string."),
    )
    n = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=10,
        help_text="How many images, 1 to 10 (default 1).",
        error_messages=_messages(
            "n",
            min_value="Invalid 'n': it must be at least 1.",
            max_value="Invalid 'n': it must be at most 10.",
            invalid="Invalid type for 'n': expected an integer.",
        ),
    )
    size = serializers.ChoiceField(
        choices=list(SIZES), required=False, allow_null=True, default=None,
        help_text="The size of the images (default 1024x1024).",
        error_messages=_messages("size", invalid_choice="Invalid value for 'size': '{input}' is not one of 256x256, 512x512, 1024x1024."),
    )
    response_format = serializers.ChoiceField(
        choices=RESPONSE_FORMATS, required=False, allow_null=True, default=None,
        help_text="`url` (signed, valid for 60 minutes; the default) or `b64_json`.",
        error_messages=_messages("response_format", invalid_choice="Invalid value for 'response_format': '{input}' is not one of url, b64_json."),
    )
    user = StrictCharField(
        required=False, allow_null=True, allow_blank=True, default=None, trim_whitespace=False,
        help_text="An identifier of your end user.", error_messages=_messages("user"),
    )

    def validate_model(self, value):
        if value is not None and value not in api_models():
            raise serializers.ValidationError(
                f"The model '{value}' does not exist. Available: {', '.join(api_models())}.", code="model_not_found"
            )
        return value

    def validate(self, attrs):
        unknown = [name for name in getattr(self, "initial_data", {}) if name not in self.fields]
        if unknown:
            raise serializers.ValidationError(
                {unknown[0]: serializers.ErrorDetail(f"Unrecognized request argument supplied: {unknown[0]}", code="unknown_parameter")}
            )
        return {name: (DEFAULTS.get(name) if value is None else value) for name, value in attrs.items()}


def _prompt_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=PROMPT_MAX,
        help_text="What to draw, up to 1000 characters.",
        error_messages=_messages(
            "prompt",
            blank="Invalid 'prompt': empty string. Describe the image you want.",
            max_length=f"Invalid 'prompt': string too long. The maximum length is {PROMPT_MAX} characters.",
            null="Missing required parameter: 'prompt'.",
        ),
        **kwargs,
    )


def _file_field(name: str, **kwargs) -> serializers.FileField:
    return serializers.FileField(
        allow_empty_file=True, use_url=False,
        error_messages=_messages(name, invalid=f"Invalid type for '{name}': expected a PNG file upload.",
                                 no_name=f"Invalid type for '{name}': expected a PNG file upload."),
        **kwargs,
    )


class GenerationRequest(ImageOptions):
    prompt = _prompt_field()
    quality = serializers.ChoiceField(
        choices=["standard"], required=False, allow_null=True, default=None,
        help_text="Only `standard`.",
        error_messages=_messages("quality", invalid_choice="Invalid value for 'quality': dall-e-2 only has 'standard'."),
    )


class EditRequest(ImageOptions):
    image = _file_field("image", help_text="A square PNG under 4 MB; without a mask its fully transparent pixels are edited.")
    mask = _file_field("mask", required=False, help_text="A PNG of the same size whose fully transparent pixels mark where to edit.")
    prompt = _prompt_field()


class VariationRequest(ImageOptions):
    image = _file_field("image", help_text="A square PNG under 4 MB.")


def validate(serializer_class, data, *, json: bool) -> dict:
    """The request's parameters with their defaults, or the ApiError of its first bad one."""
    serializer = serializer_class(data=data, context={"json": json})
    if serializer.is_valid():
        return dict(serializer.validated_data)
    raise first_error(serializer)


def first_error(serializer) -> ApiError:
    errors = serializer.errors
    if "non_field_errors" in errors:
        return invalid("The request body must be a JSON object.", param=None, code="invalid_body")
    order = [name for name in serializer.fields if name in errors] + [n for n in errors if n not in serializer.fields]
    param = order[0]
    detail = errors[param][0]
    code = getattr(detail, "code", None)
    return invalid(str(detail), param=param, code=_CODES.get(code, code))


# --- Responses, for the schema ----------------------------------------------------


class ImageObject(serializers.Serializer):
    url = serializers.URLField(required=False, help_text="A signed URL, valid for 60 minutes.")
    b64_json = serializers.CharField(required=False, help_text="The PNG, base64-encoded.")


class ImagesResponse(serializers.Serializer):
    created = serializers.IntegerField(help_text="When the request was made, in Unix seconds.")
    data = ImageObject(many=True)


class ErrorObject(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.CharField()
    param = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True)


class ErrorResponse(serializers.Serializer):
    error = ErrorObject()


class ModelObject(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.ChoiceField(choices=["model"])
    created = serializers.IntegerField()
    owned_by = serializers.CharField()


class ModelList(serializers.Serializer):
    object = serializers.ChoiceField(choices=["list"])
    data = ModelObject(many=True)
