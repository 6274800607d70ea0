"""Requests generated from the OpenAPI schema (issue 13): no 500 on any of them, with no token
and with a live read-write staff token (so the staff operations run their real code).

Kept small for the 2-core suite: 20 examples per operation, no shrinking past the first
failure."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from tests.factories import CityStaffFactory

from .conftest import submitted_case, token_for

pytestmark = pytest.mark.django_db


# Loaded at collection: pytest-django has set Django up by then, and the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection when a request finishes; its test client turns
    that off, schemathesis' WSGI transport does not. On PostgreSQL that would close the test's
    transaction under it (SQLite's in-memory database ignores the close)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(db) -> dict:
    staff = CityStaffFactory()
    submitted_case()
    return {"Authorization": f"Bearer {token_for(staff, scope='write')}"}


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case, staff_headers):
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(headers=staff_headers, checks=[not_a_server_error])
