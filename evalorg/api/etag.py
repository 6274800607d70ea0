"""``ETag`` on the public endpoints: the hash of the JSON body, 304 on ``If-None-Match``.

The body is computed on every request (the data are small and change rarely); what a client
saves is the transfer. This is what Django's ``ConditionalGetMiddleware`` does, for these views
only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag


def with_etag(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        set_response_etag(response)
        patch_vary_headers(response, ["Accept-Language"])
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return wrapped
