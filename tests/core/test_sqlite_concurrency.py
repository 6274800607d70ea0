"""Concurrent transitions on a file SQLite database wait for each other: no 500 "database is
locked", exactly one wins, the others are refused with a message (issue #11)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client, RequestFactory
from django.urls import reverse

from evalorg.applications.models import Application, State
from evalorg.core.middleware import RequestContextMiddleware
from evalorg.core.models import AuditEvent
from tests.applications.conftest import applicant_of, build_application
from tests.threads import in_thread

THREADS = 6


@pytest.fixture
def to_file_sqlite(shared_database):
    """The shared file database (tests/conftest.py), for this SQLite-only module."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    return shared_database


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_on_one_case_one_wins_none_fails(to_file_sqlite):
    application = build_application()
    to_file_sqlite()
    user = applicant_of(application)
    url = reverse("applications:action", args=[application.pk, "withdraw"])
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def withdraw():
        try:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait()
            statuses.append(client.post(url, {"reason": "并发测试", "confirm": "yes"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def outcome():
        mode = connections["default"].cursor().execute("PRAGMA journal_mode").fetchone()[0]
        state = Application.objects.get(pk=application.pk).state
        withdrawn = AuditEvent.objects.filter(action="withdraw").count()
        return mode, state, withdrawn

    mode, state, withdrawn = in_thread(outcome)
    assert mode == "wal"
    assert sorted(statuses) == [302] * THREADS, statuses
    assert state == State.WITHDRAWN and withdrawn == 1


def test_a_database_still_locked_after_the_timeout_is_a_503_not_a_500(rf: RequestFactory):
    def locked(request):
        raise OperationalError("database is locked")

    middleware = RequestContextMiddleware(locked)
    request = rf.post("/")
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response.status_code == 503 and "数据未被修改" in response.content.decode()
    assert middleware.process_exception(request, OperationalError("no such table")) is None
