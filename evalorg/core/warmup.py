"""Warm a gunicorn worker before it takes connections (issue 23 item 7).

With ``preload_app`` the master imports Django and every view before it forks
(``evalorg/wsgi.py``); what is still cold in a new worker is per process: its database
connection, the cache client, the compiled templates, the translation catalogues, the static
manifest. ``deploy/gunicorn.conf.py`` calls ``warm()`` in ``post_worker_init``, which gunicorn
runs in the worker after loading the application and before its accept loop: the worker answers
its first request warm, and until then the listening socket's backlog holds the connection for a
worker that is ready.

``warm()`` sends ``WARM_PATHS`` through the application itself (the whole middleware chain: the
``/readyz`` probes open the database and cache connections and read the calendar, the login page
renders a full template). It never raises: a database that does not answer is for ``/readyz`` to
report to the load balancer, not a reason for the worker to die in a restart loop.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

WARM_PATHS = ("/readyz", "/accounts/login/")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def warm_host() -> str:
    """A name ALLOWED_HOSTS accepts (the first one; ``localhost`` for ``*``)."""
    for host in settings.ALLOWED_HOSTS:
        host = host.lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def _environ(path: str) -> dict[str, Any]:
    host = warm_host()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_USER_AGENT": "evalorg-warmup",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "https",  # no redirect to HTTPS in production
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if header:
        environ[header[0]] = header[1]
    return environ


def _get(application: WSGIApp, path: str) -> int:
    status: list[str] = []
    body = application(_environ(path), lambda line, headers, *exc: status.append(line))
    try:
        for _chunk in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close:
            close()  # request_finished: Django keeps the connection for CONN_MAX_AGE
    return int(status[0].split()[0])


def warm(application: WSGIApp | None = None) -> dict[str, int | str]:
    """GET each of ``WARM_PATHS`` through ``application``; the status of each (or the error)."""
    if application is None:
        from evalorg.wsgi import application as loaded

        application = loaded
    started = time.monotonic()
    results: dict[str, int | str] = {}
    for path in WARM_PATHS:
        try:
            results[path] = _get(application, path)
        except Exception as error:  # the worker starts anyway; /readyz tells the balancer
            results[path] = f"error: {type(error).__name__}"
    logger.info("worker warmed in %.2f s: %s", time.monotonic() - started, results)
    return results
