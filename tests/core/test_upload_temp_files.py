"""Temporary upload files never outlive their request (issue 21 item 8): a part above
FILE_UPLOAD_MAX_MEMORY_SIZE streams to FILE_UPLOAD_TEMP_DIR; when the client disconnects
mid-body, the size limit cuts it off or the view fails, the file is closed and removed as the
request ends, and the ``upload_temp_files`` sweep removes what a killed worker left."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from evalorg.core import clock
from evalorg.core.sweeps import run_sweeps
from evalorg.core.uploads import UploadLimitMiddleware, sweep_upload_temp_files

BIG = 3 * 1024 * 1024  # above Django's 2.5 MB in-memory limit


@pytest.fixture
def temp_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


class Disconnecting(io.BytesIO):
    """A request body whose client goes away after ``cut`` bytes."""

    def __init__(self, body: bytes, cut: int) -> None:
        super().__init__(body)
        self.cut = cut

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.cut:
            raise OSError("client disconnected")
        return super().read(size if size is not None and size >= 0 else self.cut)


def _body() -> bytes:
    upload = io.BytesIO(b"%PDF-1.7\n" + b"x" * BIG)
    upload.name = "evidence.pdf"
    return encode_multipart(BOUNDARY, {"evidence": upload, "note": "说明"})


def _request(stream: io.BytesIO, length: int) -> WSGIRequest:
    return WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/upload/",
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(length),
            "wsgi.input": stream,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        }
    )


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_a_client_disconnecting_mid_body_leaves_no_temporary_file(temp_dir):
    body = _body()
    seen: dict[str, object] = {}

    def view(request):
        try:
            request.FILES  # noqa: B018  (parses the body)
        finally:
            seen["during"] = _files(temp_dir)
        return HttpResponse()

    request = _request(Disconnecting(body, cut=len(body) - 1024), len(body))
    with pytest.raises(OSError, match="client disconnected"):
        UploadLimitMiddleware(view)(request)
    assert seen["during"], "the part was streaming to a temporary file"
    assert _files(temp_dir) == []  # while the request object is still alive


def test_a_view_that_fails_after_reading_the_upload_leaves_no_temporary_file(temp_dir):
    body = _body()

    def view(request):
        assert request.FILES["evidence"].temporary_file_path()
        raise RuntimeError("the view failed")

    request = _request(io.BytesIO(body), len(body))
    with pytest.raises(RuntimeError):
        UploadLimitMiddleware(view)(request)
    assert _files(temp_dir) == []


def test_the_sweep_removes_only_stale_upload_files(temp_dir, settings):
    settings.EVALORG_UPLOAD_TEMP_MAX_HOURS = 6
    stale, fresh = temp_dir / "tmpaaaa.upload.pdf", temp_dir / "tmpbbbb.upload.pdf"
    other = temp_dir / "keep-me.txt"
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    old = (clock.now() - timedelta(hours=7)).timestamp()
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert sweep_upload_temp_files() == "upload temp files: 1 stale removed"
    assert _files(temp_dir) == ["keep-me.txt", "tmpbbbb.upload.pdf"]


@pytest.mark.django_db
def test_the_sweep_is_registered(temp_dir):
    assert "upload_temp_files" in [result.name for result in run_sweeps()]
