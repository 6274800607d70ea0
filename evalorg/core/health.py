"""Health endpoints for the load balancer (issue 23 item 7).

``/healthz``: the process answers (no database, no cache): 200 ``{"status": "ok"}``.
``/readyz``: the database answers ``SELECT 1`` and the working-day calendar has this year; the
cache (Redis, when ``REDIS_URL`` is set) answers a read. Each probe runs in its own thread (on
SQLite the database's run in the request's) and gets ``PROBE_SECONDS`` (1 s): a hanging
PostgreSQL or Redis makes ``/readyz`` answer 503 after about a second, never after gunicorn's
timeout. From 1 November next year's calendar is reported
(``"calendar_next_year": "missing"``) but does not fail readiness: it would take every app server
out of the load balancer at once for a year that starts weeks later (check --deploy and the
``calendar_next_year`` sweep say it instead).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import clock
from .checks import next_year_due

PROBE_SECONDS = 1.0
OK = "ok"


def database_answer() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK if not clock.missing_years({clock.today().year}) else "calendar missing"


def next_year_answer() -> str:
    return "missing" if next_year_due() else OK


def probe_database() -> str:
    try:
        return database_answer()
    finally:
        connections.close_all()  # this thread's connection


def probe_cache() -> str:
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return "local"  # a per-process cache: nothing shared to wait for
    cache.get("evalorg:readyz")
    return OK


def probe_next_year() -> str:
    try:
        return next_year_answer()
    finally:
        connections.close_all()


# SQLite is a file on this host, not a server that can hang: its probes run in the request's
# own thread and connection. In a thread of their own they open a second connection, and with
# the test database's shared in-memory connection that deadlocked a test run.
IN_REQUEST_ON_SQLITE: dict[Callable[[], str], Callable[[], str]] = {
    probe_database: database_answer,
    probe_next_year: next_year_answer,
}


PROBES: dict[str, Callable[[], str]] = {"database": probe_database, "cache": probe_cache}


def _in_request(probe: Callable[[], str]) -> Callable[[], str] | None:
    if connections["default"].vendor != "sqlite":
        return None
    return IN_REQUEST_ON_SQLITE.get(probe)


def _run(probes: dict[str, Callable[[], str]]) -> dict[str, str]:
    results: dict[str, str] = {}
    threaded = {}
    for name, probe in probes.items():
        inline = _in_request(probe)
        if inline is None:
            threaded[name] = probe
            continue
        try:
            results[name] = inline()
        except Exception as error:
            results[name] = f"error: {type(error).__name__}"
    return results | _run_in_threads(threaded) if threaded else results


def _run_in_threads(probes: dict[str, Callable[[], str]]) -> dict[str, str]:
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="readyz")
    futures = {name: pool.submit(probe) for name, probe in probes.items()}
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=PROBE_SECONDS)
        except ProbeTimeout:
            results[name] = "timeout"
        except Exception as error:  # any failure is "not ready", named
            results[name] = f"error: {type(error).__name__}"
    pool.shutdown(wait=False, cancel_futures=True)
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = _run(PROBES)
    ready = all(value in (OK, "local") for value in results.values())
    if ready:
        results |= _run({"calendar_next_year": probe_next_year})
    body = {"status": OK if ready else "unavailable", **results}
    return JsonResponse(body, status=200 if ready else 503)
