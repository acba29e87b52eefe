"""Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

Every failure under /v1/ ends here: the API's own refusals (`ApiError`),
DRF's exceptions (through `exception_handler`), and Django's own 404, 405 and
500 pages (through `generation.api.middleware`), so a client never sees HTML.
"""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from generation.services import SubmitError

SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"
MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can create one on your account page."
)


class ApiError(Exception):
    """A request the API refuses, with the status and body OpenAI would send."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.message, type=self.type, param=self.param, code=self.code)


def error_body(message: str, *, type: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def invalid(message: str, *, param: str | None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def from_submit_error(e: SubmitError) -> ApiError:
    """Translate the generation service's refusal into the API's answer."""
    if e.code == "insufficient_credits":
        return ApiError(
            429,
            "You exceeded your current quota: you don't have enough credits for this request. "
            "Buy credits or wait for your monthly free credits.",
            type="insufficient_quota",
            code="insufficient_quota",
            # The openai client retries 429s unless told not to; more credits won't appear by retrying.
            headers={"x-should-retry": "false"},
        )
    if e.code == "content_policy":
        return ApiError(400, e.message, param=e.param, code="content_policy_violation")
    if e.code == "account":
        return ApiError(403, e.message, code="account_inactive")
    if e.code == "storage_unavailable":
        return ApiError(503, e.message, type="server_error", code="storage_unavailable")
    return ApiError(400, e.message, param=e.param, code=e.code)


def failure_error(code: str, message: str) -> ApiError:
    """The answer for a generation that was accepted but failed (its credits are refunded)."""
    if code == "content_policy":
        return ApiError(400, message, code="content_policy_violation")
    if code == "timed_out":
        return ApiError(503, message, type="server_error", code="timeout")
    return ApiError(500, message, type="server_error", code=None)


def exception_handler(exc: Exception, context) -> Response | None:
    """DRF's exceptions as OpenAI errors. Anything else propagates and becomes a 500."""
    if isinstance(exc, ApiError):
        return Response(exc.body(), status=exc.status, headers=exc.headers)
    if isinstance(exc, exceptions.NotAuthenticated):
        error = ApiError(401, MISSING_KEY_MESSAGE)
    elif isinstance(exc, exceptions.AuthenticationFailed):
        error = ApiError(401, str(exc.detail), code="invalid_api_key")
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        error = ApiError(400, f"Invalid Content-Type header ({exc.detail}).", code="invalid_content_type")
    elif isinstance(exc, exceptions.ParseError):
        error = ApiError(
            400,
            "We could not parse the body of your request. It should be a JSON object "
            "(or multipart/form-data for image uploads).",
            code="invalid_body",
        )
    elif isinstance(exc, exceptions.MethodNotAllowed):
        request = context["request"]
        error = ApiError(405, f"Invalid method for this URL ({request.method} {request.path}).")
    elif isinstance(exc, exceptions.NotFound):
        error = ApiError(404, str(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        error = ApiError(exc.status_code, str(exc.detail))
    else:
        return None
    response = Response(error.body(), status=error.status)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_error(status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(message, type=type, code=code), status=status)
