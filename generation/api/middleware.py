"""Middleware for the Images API, written to run natively under ASGI.

Both classes are async-capable on purpose: one sync-only middleware in the
stack makes Django run everything inside it in a thread that blocks for the
whole request, and an API call waits for a GPU for seconds to minutes. See
tests/api/test_waiting_calls_hold_no_thread.py.
"""

from __future__ import annotations

import logging
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware

from generation.api.errors import SERVER_ERROR_MESSAGE, json_error

log = logging.getLogger(__name__)

API_PREFIX = "/v1/"

_fallback_messages = {
    400: "Bad request.",
    403: "Forbidden.",
    413: "The request is too large.",
}


class ApiMiddleware:
    """Give every response an x-request-id, and every error under /v1/ OpenAI's JSON shape.

    It sits first in MIDDLEWARE so that it also sees what Django itself answers
    (unknown URLs, wrong methods, uncaught exceptions turned into 500 pages).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        self._begin(request)
        return self._finish(request, self.get_response(request))

    async def __acall__(self, request):
        self._begin(request)
        return self._finish(request, await self.get_response(request))

    @staticmethod
    def _begin(request) -> None:
        request.request_id = "req_" + uuid.uuid4().hex

    @staticmethod
    def _finish(request, response):
        if request.path_info.startswith(API_PREFIX) and response.status_code >= 400 and not _is_json(response):
            response = _as_api_error(request, response)
        response["x-request-id"] = request.request_id
        return response


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _as_api_error(request, response):
    status = response.status_code
    if status == 404:
        replacement = json_error(404, f"Invalid URL ({request.method} {request.path}).")
    elif status == 405:
        replacement = json_error(405, f"Invalid method for this URL ({request.method} {request.path}).")
        if response.has_header("Allow"):
            replacement["Allow"] = response["Allow"]
    elif status >= 500:
        replacement = json_error(status, SERVER_ERROR_MESSAGE, type="server_error")
    else:
        replacement = json_error(status, _fallback_messages.get(status, "The request could not be handled."))
    for header in ("retry-after",):
        if response.has_header(header):
            replacement[header] = response[header]
    return replacement


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, able to run under ASGI without pinning a thread per request.

    WhiteNoise 6 is sync-only middleware; under ASGI that made every request,
    static or not, hold a thread until its response was sent. Here only a
    request for a static file touches the sync code.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, **kwargs):
        super().__init__(get_response, **kwargs)
        self._async_mode = iscoroutinefunction(get_response)
        if self._async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self._async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
