"""The OpenAI-compatible Images API: /v1/images/{generations,edits,variations} and /v1/models.

An image request has two halves. The first is ordinary DRF, run on a thread:
authenticate, count against the rate limit, validate, submit the generation
(which charges the credits and queues the GPU work). The second is async: wait
for the "finished" message without holding a thread, then answer with the
images — or, after EASEL_API_WAIT_TIMEOUT_S, fail the generation (which
refunds it) and answer with an error. A client that hangs up does not cancel
anything: the generation completes and stays in the user's history.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiCall
from generation import services
from generation.api import errors, ratelimit, serializers, uploads, waiting
from generation.api.auth import ApiKeyAuthentication
from generation.api.errors import ApiError
from generation.api.threads import release_request_thread, run_sync
from generation.lib import storage
from generation.models import Generation

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX = 150
_failure_codes = {message: code for code, message in services.error_messages.items()}


class AlwaysJson(BaseContentNegotiation):
    """OpenAI answers JSON whatever the Accept header says; so do we (no 406)."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if parser.media_type == request.content_type.split(";")[0].strip():
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    """Bearer-key authentication, the rate limit, and OpenAI-shaped errors."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJson
    rate: ratelimit.RateLimit | None = None

    def get_exception_handler(self):
        return errors.exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.rate = ratelimit.hit(request.auth)
        if self.rate.exceeded:
            raise ApiError(
                429,
                f"Rate limit reached for requests: {self.rate.limit} per "
                f"{settings.EASEL_API_RATE_WINDOW_S} seconds for this API key. Please try again in "
                f"{self.rate.retry_after()} s.",
                type="requests",
                code="rate_limit_exceeded",
                headers={"retry-after": self.rate.retry_after()},
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.rate is not None:
            for name, value in self.rate.headers().items():
                response[name] = value
        return response


class PendingImages(Response):
    """The answer to an accepted image request, filled in once its generation finished."""

    def __init__(self, generation: Generation, response_format: str, base_url: str):
        super().__init__(status=200)
        self.generation = generation
        self.response_format = response_format
        self.base_url = base_url

    async def complete(self, listener: waiting.Listener | None) -> HttpResponse:
        """Wait for the generation, then answer: the images, or the error that ended it."""
        await waiting.wait_until_finished(
            self.generation.public_id, timeout=settings.EASEL_API_WAIT_TIMEOUT_S, listener=listener
        )
        return await run_sync(self._filled)

    def _filled(self) -> HttpResponse:
        self._fill()
        return rendered(self)

    def _fill(self) -> None:
        generation = Generation.objects.get(pk=self.generation.pk)
        if not generation.is_finished:
            services.fail_generation(generation, "timed_out", detail="the API call stopped waiting")
            generation = Generation.objects.get(pk=self.generation.pk)
        if generation.status == Generation.Status.SUCCEEDED:
            self.data = images_payload(generation, self.response_format, self.base_url)
            return
        code = _failure_codes.get(generation.failure_reason, "worker_failed")
        error = errors.failure_error(
            code, generation.failure_reason or services.error_messages["worker_failed"]
        )
        self.status_code = error.status
        self.data = error.body()


def images_payload(generation: Generation, response_format: str, base_url: str) -> dict:
    data = []
    for image in generation.visible_images():
        if response_format == "b64_json":
            data.append(
                {"b64_json": base64.b64encode(storage.read_bytes(image.storage_key)).decode()}
            )
        else:
            url = storage.signed_url(image.storage_key)
            data.append({"url": base_url + url if url.startswith("/") else url})
    return {"created": int(generation.created_at.timestamp()), "data": data}


def rendered(response):
    """A DRF response rendered, as a plain HttpResponse.

    Django renders a response that has a `render` method after the view
    returned, on a thread of its own (one more thread hop per call). Rendering
    it on the thread that made it, and handing Django a plain response, spares that.
    """
    if not isinstance(response, SimpleTemplateResponse):
        return response
    response.render()
    plain = HttpResponse(response.content, status=response.status_code)
    for name, value in response.items():
        plain[name] = value
    plain.cookies = response.cookies
    return plain


def async_images_view(view_class):
    """Serve `view_class` (a DRF view) from an async view that waits for the images.

    drf-spectacular reads the schema from `view.cls`, as for any DRF view.
    """
    sync_view = view_class.as_view()

    def accept(request, *args, **kwargs):
        response = sync_view(request, *args, **kwargs)
        return response if isinstance(response, PendingImages) else rendered(response)

    async def view(request, *args, **kwargs):
        # Listen before submitting, so the "finished" message cannot come first.
        listener = await waiting.start_listening()
        response = await run_sync(accept, request, *args, **kwargs)
        if isinstance(response, PendingImages):
            release_request_thread()
            return await response.complete(listener)
        return response

    view.cls = view_class
    view.initkwargs = {}
    return csrf_exempt(view)


_IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A retry with the same key returns the first call's result and is charged once.",
)
_RESPONSE_HEADERS = [
    OpenApiParameter(
        name, OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, description=description
    )
    for name, description in [
        ("x-request-id", "This request's id, for support."),
        ("x-ratelimit-limit-requests", "Requests allowed per window for this key."),
        ("x-ratelimit-remaining-requests", "Requests left in this window."),
        ("x-ratelimit-reset-requests", "When the window resets, e.g. 20s."),
    ]
]


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(serializers.ErrorResponse, description=description)


_IMAGE_RESPONSES = {
    200: serializers.ImagesResponse,
    400: _error("A bad parameter (`param` names it), or a content-policy refusal."),
    401: _error("A missing, wrong or revoked API key."),
    403: _error("The account may not generate images now (unverified or suspended)."),
    405: _error("Only POST."),
    429: _error(
        "Out of credits (`insufficient_quota`) or over the rate limit (`rate_limit_exceeded`)."
    ),
    500: _error("The generation failed; its credits were refunded."),
    503: _error("The images took too long, or storage is unavailable; credits were refunded."),
}


class ImagesView(ApiView):
    mode: str
    endpoint: str
    request_serializer: type

    def _submit(
        self, request, params: dict, *, image: bytes | None = None, mask: bytes | None = None
    ):
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and (len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable()):
            raise errors.invalid(
                f"The Idempotency-Key header must be at most {IDEMPOTENCY_KEY_MAX} printable characters.",
                param="Idempotency-Key",
                code="invalid_value",
            )
        fingerprint = _fingerprint(self.endpoint, params, image, mask)
        if key is not None:
            earlier = (
                ApiCall.objects.select_related("generation")
                .filter(generation__owner=request.user, generation__idempotency_key="api:" + key)
                .first()
            )
            if earlier is not None:
                return self._pending(request, earlier, fingerprint)
        fields = {
            "api_key": request.auth,
            "endpoint": self.endpoint,
            "response_format": params["response_format"],
            "fingerprint": fingerprint,
        }
        generation = None
        try:
            # The generation, its charge and its call record commit together: one commit per call,
            # and the GPU task (queued on commit) never sees a generation without its call.
            with transaction.atomic():
                generation = services.submit_generation(
                    request.user,
                    mode=self.mode,
                    prompt=params.get("prompt", ""),
                    image=image,
                    mask=mask,
                    size=serializers.SIZES[params["size"]],
                    n=params["n"],
                    source=Generation.Source.API,
                    idempotency_key="api:" + key if key else None,
                )
                if key is None:
                    # A brand-new generation: nobody else can have recorded its call.
                    call = ApiCall.objects.create(generation=generation, **fields)
                else:
                    # A concurrent retry may have recorded it first; its record wins.
                    call, _ = ApiCall.objects.get_or_create(generation=generation, defaults=fields)
        except services.SubmitError as e:
            raise errors.from_submit_error(e) from e
        except BaseException:
            if generation is not None and not Generation.objects.filter(pk=generation.pk).exists():
                # Rolled back after its uploads were stored: leave nothing behind in the bucket.
                storage.delete_quietly(
                    [k for k in (generation.input_image, generation.input_mask) if k]
                )
            raise
        return self._pending(request, call, fingerprint)

    @staticmethod
    def _pending(request, call: ApiCall, fingerprint: str) -> PendingImages:
        if call.fingerprint != fingerprint:
            raise errors.invalid(
                "This Idempotency-Key was already used for a request with different parameters.",
                param="Idempotency-Key",
                code="idempotency_key_reused",
            )
        return PendingImages(
            call.generation, call.response_format, request.build_absolute_uri("/")[:-1]
        )


def _fingerprint(endpoint: str, params: dict, image: bytes | None, mask: bytes | None) -> str:
    described = {k: v for k, v in params.items() if k not in ("image", "mask")}
    described["endpoint"] = endpoint
    described["image"] = hashlib.sha256(image).hexdigest() if image else None
    described["mask"] = hashlib.sha256(mask).hexdigest() if mask else None
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


class GenerationsView(ImagesView):
    mode = Generation.Mode.GENERATE
    endpoint = "generations"
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="createImage",
        summary="Create images from a prompt",
        tags=["Images"],
        description="Waits until the images are ready. Costs ceil(n/4) credits.",
        request={"application/json": serializers.GenerationRequest},
        responses=_IMAGE_RESPONSES,
        parameters=[_IDEMPOTENCY_PARAMETER, *_RESPONSE_HEADERS],
    )
    def post(self, request):
        params = serializers.validate(serializers.GenerationRequest, request.data, json=True)
        return self._submit(request, params)


class EditsView(ImagesView):
    mode = Generation.Mode.EDIT
    endpoint = "edits"
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="createImageEdit",
        summary="Edit an image: repaint its transparent (or masked) part",
        tags=["Images"],
        description="Waits until the images are ready. Costs ceil(n/3) credits.",
        request={"multipart/form-data": serializers.EditRequest},
        responses=_IMAGE_RESPONSES,
        parameters=[_IDEMPOTENCY_PARAMETER, *_RESPONSE_HEADERS],
    )
    def post(self, request):
        params = serializers.validate(serializers.EditRequest, request.data, json=False)
        image = uploads.check_image(params["image"], user=request.user)
        mask = uploads.check_edit(image, params.get("mask"), user=request.user)
        return self._submit(request, params, image=image.data, mask=mask.data if mask else None)


class VariationsView(ImagesView):
    mode = Generation.Mode.VARIATION
    endpoint = "variations"
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="createImageVariation",
        summary="Create variations of an image",
        tags=["Images"],
        description="Waits until the images are ready. Costs ceil(n/3) credits.",
        request={"multipart/form-data": serializers.VariationRequest},
        responses=_IMAGE_RESPONSES,
        parameters=[_IDEMPOTENCY_PARAMETER, *_RESPONSE_HEADERS],
    )
    def post(self, request):
        params = serializers.validate(serializers.VariationRequest, request.data, json=False)
        image = uploads.check_image(params["image"], user=request.user)
        return self._submit(request, params, image=image.data)


def _model_object(name: str) -> dict:
    return {
        "id": name,
        "object": "model",
        "created": settings.EASEL_API_MODELS_CREATED,
        "owned_by": "easel",
    }


_MODEL_ERRORS = {
    401: _error("A missing, wrong or revoked API key."),
    429: _error("Over the rate limit."),
}


class ModelListView(ApiView):
    @extend_schema(
        operation_id="listModels",
        summary="The image models this server offers",
        tags=["Models"],
        description="dall-e-2, and any other model name the operator enabled.",
        responses={200: serializers.ModelList, **_MODEL_ERRORS},
        parameters=_RESPONSE_HEADERS,
    )
    def get(self, request):
        return Response(
            {"object": "list", "data": [_model_object(name) for name in serializers.api_models()]}
        )


class ModelView(ApiView):
    @extend_schema(
        operation_id="retrieveModel",
        summary="One model",
        tags=["Models"],
        description="404 for an unknown model.",
        responses={200: serializers.ModelObject, 404: _error("No such model."), **_MODEL_ERRORS},
        parameters=_RESPONSE_HEADERS,
    )
    def get(self, request, model: str):
        if model not in serializers.api_models():
            raise ApiError(
                404, f"The model '{model}' does not exist.", param="model", code="model_not_found"
            )
        return Response(_model_object(model))


generations = async_images_view(GenerationsView)
edits = async_images_view(EditsView)
variations = async_images_view(VariationsView)
