"""Request guards before any view runs (issue 21 item 8, docs/security.md "Request guards").

- ``ControlCharacterMiddleware``: a query string whose decoded names or values hold NUL or
  another control character (C0 except tab, CR, LF; DEL) is answered 400; round one answered
  500 or cut a CSV/JSON stream short on ten URLs.
- ``AnonymousBodyLimitMiddleware``: a request without a signed-in user may declare at most
  ``EVALORG_ANONYMOUS_MAX_BODY_BYTES`` (64 KiB) of body, except on the routes named in
  ``EVALORG_ANONYMOUS_UPLOAD_ROUTES`` (the public objection form's evidence): 413 before a
  byte is read. The login page accepted 8 MiB.
- ``NoStoreMiddleware``: every response to a signed-in user, and every file download, carries
  ``Cache-Control: no-store`` (ASVS V14.3: no sensitive data in caches of browsers or proxies).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponse]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(query: str) -> bool:
    """Whether a raw query string, percent-decoded, holds a control character."""
    if CONTROL.search(query):
        return True
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return True
    return any(CONTROL.search(name) or CONTROL.search(value) for name, value in pairs)


class ControlCharacterMiddleware:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest(
                _("请求参数中含有控制字符（如 NUL），不予处理。").encode(),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def body_too_large() -> HttpResponse:
    text = _("未登录时请求内容不能超过 %(kb)s KB，不予处理。请登录后再提交，或减小提交的内容。") % {
        "kb": settings.EVALORG_ANONYMOUS_MAX_BODY_BYTES // 1024
    }
    response = HttpResponse(text.encode(), status=413, content_type="text/plain; charset=utf-8")
    response["Connection"] = "close"  # the rest of the body is not read
    return response


def _route_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class AnonymousBodyLimitMiddleware:
    """After the authentication middleware (it reads ``request.user``), before the CSRF
    middleware reads the body."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if (
                declared > settings.EVALORG_ANONYMOUS_MAX_BODY_BYTES
                and _route_name(request) not in settings.EVALORG_ANONYMOUS_UPLOAD_ROUTES
            ):
                return body_too_large()
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or isinstance(response, FileResponse):
            patch_cache_control(response, no_store=True, private=True)
        return response
