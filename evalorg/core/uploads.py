"""Request bodies are cut off as soon as they pass ``settings.EVALORG_MAX_REQUEST_BYTES``
(issue #11: a 300 MB upload was refused only after the whole body had arrived).

``UploadLimitMiddleware`` refuses a declared ``Content-Length`` above the limit before reading a
byte; ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) counts what actually
streams in and stops the parser the moment the count passes the limit. Both answer 413 with a
Chinese message (``too_large``); nothing has been stored.

Large parts stream to ``FILE_UPLOAD_TEMP_DIR`` (``CleanTemporaryFileUploadHandler``). Django
removes such a file only when it is closed or garbage-collected: an upload cut off by the
client, the size limit or an exception stayed on disk as long as the request was referenced,
and for ever when the worker was killed. The middleware closes and removes every temporary
file of the request when it ends, however it ends (issue 21 item 8); the
``upload_temp_files`` sweep removes what a killed worker left behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
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


class CleanTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler, remembering every temporary file it opens so that
    ``remove_temporary_files`` can remove them when the request ends."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.opened: list[TemporaryUploadedFile] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
        super().new_file(*args, **kwargs)
        self.opened.append(self.file)

    def remove_files(self) -> None:
        for upload in self.opened:
            path = upload.temporary_file_path()
            upload.close()  # NamedTemporaryFile unlinks on close; a moved file is gone already
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        self.opened.clear()


def remove_temporary_files(request: HttpRequest) -> None:
    """Close and remove the request's temporary upload files (only if the body was parsed)."""
    for handler in getattr(request, "_upload_handlers", ()):
        if isinstance(handler, CleanTemporaryFileUploadHandler):
            handler.remove_files()


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
        try:
            return self.get_response(request)
        finally:  # a response, a refusal or an exception: the upload is no longer needed
            remove_temporary_files(request)


def sweep_upload_temp_files() -> str:
    """Sweep: remove temporary upload files older than ``EVALORG_UPLOAD_TEMP_MAX_HOURS`` (a
    worker killed mid-upload never reached its ``finally``). Only Django's own names
    (``tmp….upload…``) are touched."""
    from . import clock

    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return "upload temp files: no folder"
    oldest = clock.now().timestamp() - settings.EVALORG_UPLOAD_TEMP_MAX_HOURS * 3600
    removed = 0
    for path in folder.glob("tmp*.upload*"):
        try:
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # its request ended meanwhile
            continue
    return f"upload temp files: {removed} stale removed"


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 page, except for a body cut off by ``LimitedUploadHandler`` (413)."""
    if isinstance(exception, UploadTooLarge):
        return too_large(request)
    return bad_request(request, exception)  # type: ignore[arg-type]  # it never reads it
