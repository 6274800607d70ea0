"""Settings of `make bench-surge`'s gunicorn: the project's settings plus a header with the
CPU time the worker spent on the request (bench only; the locustfile sums it per endpoint)."""

from __future__ import annotations

import time
from collections.abc import Callable

from evalorg.settings import *  # noqa: F403
from evalorg.settings import MIDDLEWARE


def cpu_header(get_response: Callable):
    """Outermost middleware: the thread's CPU time (a gthread worker runs several requests at
    once, so process time would count the neighbours) as X-Bench-CPU-ms."""

    def middleware(request):
        start = time.thread_time()
        response = get_response(request)
        response["X-Bench-CPU-ms"] = f"{(time.thread_time() - start) * 1000:.2f}"
        return response

    return middleware


MIDDLEWARE = ["surge_settings.cpu_header", *MIDDLEWARE]
