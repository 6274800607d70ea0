"""Migration cultivation 0006 (issue 20): a PDF or DOCX deliverable of an open line no longer
counts as checked and passed (the five are workbooks now); other lines keep their history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evalorg.applications.models import ApplicationOccupation
from evalorg.cultivation.models import Deliverable
from tests.cultivation.conftest import cultivating, ready_deliverables

BEFORE = [("cultivation", "0005_training_status")]
AFTER = [("cultivation", "0006_deliverable_workbooks")]


def migrate(target) -> None:
    MigrationExecutor(connection).migrate(target)


@pytest.mark.django_db(transaction=True)
def test_pdfs_of_open_lines_are_no_longer_passed():
    open_line, submitted = (cultivating().occupations.first() for _case in range(2))
    for line in (open_line, submitted):
        ready_deliverables(line)
    ApplicationOccupation.objects.filter(pk=submitted.pk).update(
        status=ApplicationOccupation.Status.BANK_SUBMITTED
    )
    try:
        migrate(BEFORE)
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    rows = Deliverable.objects.filter(line=open_line)
    assert rows.count() == 5 and not rows.filter(passed=True).exists()
    assert all("XLSX" in row.report[0]["message"] for row in rows)
    assert Deliverable.objects.filter(line=submitted, passed=True).count() == 5
