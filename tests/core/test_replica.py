"""Reports and the public registry read from the replica when one is configured (issue 24
item 7); every write and every other read stays on the primary, so the audit chain and the
workflow never read a lagging copy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from evalorg.core import replica
from evalorg.core.replica import ReplicaRouter, from_replica
from evalorg.filing.models import FilingLetter
from tests.filing.conftest import department_staff, registry_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: True)


def test_reads_go_to_the_replica_only_inside_the_block_and_when_it_exists(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(FilingLetter) is None
    with from_replica():
        assert router.db_for_read(FilingLetter) == "replica"
        assert router.db_for_write(FilingLetter) is None
    assert router.db_for_read(FilingLetter) is None


def test_without_a_replica_reads_stay_on_the_primary():
    with from_replica():
        assert ReplicaRouter().db_for_read(FilingLetter) is None


def test_the_replica_is_never_migrated():
    assert ReplicaRouter().allow_migrate("replica", "filing") is False
    assert ReplicaRouter().allow_migrate("default", "filing") is None


@contextmanager
def queries_marked() -> Iterator[list[tuple[bool, str]]]:
    """Each SQL statement run, with whether it ran inside ``from_replica()``."""
    seen: list[tuple[bool, str]] = []

    def spy(execute, sql, params, many, context):
        seen.append((replica._reading.get(), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield seen


def test_the_registry_csv_body_is_read_inside_the_replica_block(client):
    registry_row(number=1)
    with queries_marked() as seen:
        response = client.get(reverse("registry:csv"))
        body = b"".join(response.streaming_content).decode()
    assert "粤职评备〔2023〕001号" in body
    letters = [marked for marked, sql in seen if "filing_filingletter" in sql]
    assert letters and all(letters)


def test_the_report_export_reads_figures_from_the_replica_and_audits_on_the_primary(client):
    client.force_login(department_staff())
    with queries_marked() as seen:
        response = client.get(reverse("reports:xlsx"))
    assert response.status_code == 200
    figures = [marked for marked, sql in seen if "supervision_assessmentplan" in sql]
    audit_writes = [
        marked for marked, sql in seen if sql.startswith('INSERT INTO "core_auditevent')
    ]
    assert figures and all(figures)
    assert audit_writes and not any(audit_writes)
