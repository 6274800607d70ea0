"""Health endpoints (issue 23 item 7): /healthz alive, /readyz ready (database, cache,
calendar) answering 503 within 2 s when the database hangs."""

import time

import pytest

from evalorg.core import health
from evalorg.core.models import WorkCalendar


def test_healthz_needs_nothing(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ready_with_database_and_calendar(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_without_this_years_calendar(client) -> None:
    WorkCalendar.objects.filter(day__year=health.clock.today().year).delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "calendar missing"


def test_readyz_answers_503_within_2_seconds_when_the_database_hangs(client, monkeypatch):
    def hang() -> str:
        time.sleep(5)
        return "ok"

    monkeypatch.setitem(health.PROBES, "database", hang)
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["database"] == "timeout"
    assert elapsed < 2


def test_readyz_names_a_failing_cache(client, monkeypatch) -> None:
    def refused() -> str:
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.PROBES, "database", lambda: "ok")
    monkeypatch.setitem(health.PROBES, "cache", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error: ConnectionError"


def test_on_sqlite_the_database_probes_run_in_the_request_thread(client, monkeypatch):
    """A probe thread with its own connection deadlocked the test database's shared in-memory
    SQLite connection when the request gave up on it (a hung CI run); on SQLite they run in
    the request's thread."""
    import threading

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL probes run in threads of their own")
    threads: list[str] = []

    def recording() -> str:
        threads.append(threading.current_thread().name)
        return "ok"

    monkeypatch.setitem(health.IN_REQUEST_ON_SQLITE, health.probe_database, recording)
    client.get("/readyz")
    assert threads == [threading.current_thread().name]
