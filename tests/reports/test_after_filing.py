"""The after-filing figures of the department's report (issue 25 item 9, N-5.2): exact counts
from the supervision records (assessments and results, random inspections, sanctions,
complaints), on the page and in the XLSX, with constant queries as the records grow."""
# ruff: noqa: F811  (fixtures imported from the supervision and sanctions tests are used by name)

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evalorg.core.workflow import perform
from evalorg.reports import after_filing
from evalorg.sanctions.models import Sanction
from evalorg.supervision.models import Inspection
from tests.complaints.conftest import complain
from tests.sanctions.conftest import K, center, department, draft, take_effect  # noqa: F401
from tests.supervision.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    accepted,
    city,
    letter,
    line,
    new_plan,
    organization,
    owner,
    plan,
    pool,
    report,
    reported,
)
from tests.supervision.test_inspections import draw, inspectors, organizations  # noqa: F401

pytestmark = pytest.mark.django_db


def test_assessments_count_accepted_plans_and_sum_reported_results(reported, owner, line):
    new_plan(owner, line)  # submitted, not yet accepted: not an assessment
    figures = after_filing.build(None)
    assert figures.assessments_by_year_city == [
        {
            "year": 2024,
            "city": "广州市",
            "plans": 1,
            "reported": 1,
            "candidates": 3,
            "passed": 2,
            "certificates": 2,
        }
    ]
    (by_line,) = figures.assessments_by_occupation
    assert (by_line["code"], by_line["plans"], by_line["certificates"]) == (
        line.occupation_id,
        1,
        2,
    )
    assert by_line["level"] == str(line.get_level_display())


def test_an_accepted_plan_without_results_counts_as_held_with_nothing_reported(accepted):
    (row,) = after_filing.build(None).assessments_by_year_city
    assert (row["plans"], row["reported"], row["candidates"]) == (1, 0, 0)


def test_assessments_follow_the_chosen_round(reported):
    other_round = reported.line.application.round.__class__.objects.exclude(
        pk=reported.line.application.round_id
    ).first()
    assert after_filing.build(reported.line.application.round).assessments_by_year_city
    if other_round is not None:
        assert after_filing.build(other_round).assessments_by_year_city == []


def test_sanctions_count_those_that_took_effect_by_year_and_kind(
    city, center, department, organization
):
    with time_machine.travel(TODAY, tick=False):
        perform(draft(city, organization, K.WARNING), "issue_warning", city)
    take_effect(city, center, department, organization, K.SUSPENSION)
    kinds = [k.value for k in Sanction.Kind]
    (row,) = after_filing.build(None).sanctions
    counts = dict(zip(kinds, row["counts"], strict=True))
    assert counts == {"warning": 1, "suspension": 1, "revocation": 0}


def test_complaints_count_by_year_and_outcome(organization, city):
    complain(organization)
    complain(organization, name="李投诉")
    (row,) = after_filing.build(None).complaints
    assert row["received"] == 2
    statuses = [s.value for s in after_filing.Complaint.Status]
    assert dict(zip(statuses, row["counts"], strict=True))["received"] == 2


def test_inspections_count_each_draw_year_by_course(center, organizations, inspectors):
    drawn = draw(center, share=100)
    (row,) = after_filing.build(None).inspections
    statuses = [s.value for s in Inspection.Status]
    assert row["year"] == drawn.year
    assert row["drawn"] == drawn.inspections.count() == 4
    assert dict(zip(statuses, row["counts"], strict=True))["assigned"] == 4
    assert row["with_findings"] == 0


def test_the_page_and_the_xlsx_show_the_after_filing_figures(client, department, reported):
    client.force_login(department)
    page = client.get(reverse("reports:index")).content.decode()
    assert 'data-testid="assessments-by-year-city"' in page and "备案后监管" in page
    response = client.get(reverse("reports:xlsx"))
    book = load_workbook(BytesIO(response.content), read_only=True)
    sheet = book["认定活动（按年度和地市）"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == (2024, "广州市", 1, 1, 3, 2, 2)
    assert {"双随机抽查", "处理", "投诉", "认定活动（按职业和等级）"} <= set(book.sheetnames)


def test_the_after_filing_figures_cost_constant_queries(reported, owner, line, organization):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            after_filing.build(None)
        return len(captured)

    before = queries()
    for _ in range(3):
        new_plan(owner, line)
        complain(organization)
    assert queries() == before == 5
