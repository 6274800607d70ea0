"""Chinese error pages for the answers Django gives without a template (issue 22).

Django renders 400/403/404/500 from our templates, but a CSRF failure has its own view
(``CSRF_FAILURE_VIEW``) and ``require_POST`` / ``require_http_methods`` answer 405 with an
empty body; ``ErrorPageMiddleware`` gives such empty 405 and 503 answers the Chinese page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Empty answers that get a page, with the template that explains them.
EMPTY_ERROR_TEMPLATES = {405: "405.html", 503: "503.html"}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted with a missing or stale CSRF token (e.g. after the session expired)."""
    return render(request, "403_csrf.html", status=403)


class ErrorPageMiddleware:
    """Renders the Chinese page for an empty 405 or 503, keeping the response's headers
    (``Allow``, ``Retry-After``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        template = EMPTY_ERROR_TEMPLATES.get(response.status_code)
        if template is None or response.streaming or response.content:
            return response
        page = render(request, template, status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                page[header] = response[header]
        return page
