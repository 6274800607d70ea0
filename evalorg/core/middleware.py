from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import bind_request, reset


class RequestContextMiddleware:
    """Makes the request's user, IP and user agent available to ``core.audit.record``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = bind_request(request)
        try:
            return self.get_response(request)
        finally:
            reset(token)
