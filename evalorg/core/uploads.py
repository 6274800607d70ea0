"""Request bodies are cut off as soon as they pass ``settings.EVALORG_MAX_REQUEST_BYTES``
(issue #11: a 300 MB upload was refused only after the whole body had arrived).

``UploadLimitMiddleware`` refuses a declared ``Content-Length`` above the limit before reading a
byte; ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) counts what actually
streams in and stops the parser the moment the count passes the limit. Both answer 413 with a
Chinese message (``too_large``); nothing has been stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import bad_request


class UploadTooLarge(RequestDataTooBig):
    """The body passed the limit while it was being read."""


def limit_mb() -> int:
    return settings.EVALORG_MAX_REQUEST_BYTES // (1024 * 1024)


def too_large(request: HttpRequest) -> HttpResponse:
    body = render_to_string("too_large.html", {"limit_mb": limit_mb()})
    response = HttpResponse(body, status=413)
    response["Connection"] = "close"  # the rest of the body is not read
    return response


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file part; raises ``UploadTooLarge`` once they pass the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > settings.EVALORG_MAX_REQUEST_BYTES:
            raise UploadTooLarge("request body above EVALORG_MAX_REQUEST_BYTES")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.EVALORG_MAX_REQUEST_BYTES:
            raise UploadTooLarge("upload above EVALORG_MAX_REQUEST_BYTES")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.EVALORG_MAX_REQUEST_BYTES:
            return too_large(request)
        return self.get_response(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 page, except for a body cut off by ``LimitedUploadHandler`` (413)."""
    if isinstance(exception, UploadTooLarge):
        return too_large(request)
    return bad_request(request, exception)  # type: ignore[arg-type]  # it never reads it
