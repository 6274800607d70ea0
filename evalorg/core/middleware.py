from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .context import bind_request, reset


class RequestContextMiddleware:
    """Makes the request's user, IP and user agent available to ``core.audit.record``.

    Also turns a database that stayed busy past its timeout (SQLite: "database is locked")
    into a 503 that says to try again, instead of a 500: the request's transaction has already
    rolled back, so nothing was changed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = bind_request(request)
        try:
            return self.get_response(request)
        finally:
            reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and is_busy(exception):
            response = render(request, "busy.html", status=503)
            response["Retry-After"] = "5"
            return response
        return None


def is_busy(exception: OperationalError) -> bool:
    text = str(exception).lower()
    return "database is locked" in text or "database table is locked" in text
