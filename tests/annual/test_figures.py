"""An annual report's figures are generated from the records (issue 25 item 7, N-5.2): the
numbers equal the assessment plans' reported results per occupation and level, the complaints
of the year and their outcomes, the examiners named; submitting freezes them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db.models import Sum

from evalorg.annual.figures import figures_for
from evalorg.core.workflow import perform
from evalorg.supervision.models import AssessmentPlan
from tests.applications.conftest import SH
from tests.supervision.conftest import TODAY, new_plan, report

from .conftest import REPORTING, complaint, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_records(owner, line, letter, city, pool):
    """In 2024: two reported assessments of ``line`` and one of the other level, one accepted
    plan without results, one plan still submitted; complaints upheld, dismissed and open.
    Records of 2023 and 2025 and of another organization are not the report's."""
    other_line = letter.application.occupations.exclude(pk=line.pk).get()
    plans = [
        new_plan(owner, line),
        new_plan(owner, line, examiners=["李考评", "赵考评"]),
        new_plan(owner, other_line, examiners=["孙考评"]),
    ]
    for n, plan in enumerate(plans):
        with time_machine.travel(TODAY, tick=False):
            accepted = perform(plan, "accept_plan", city)
        report(accepted, owner, certificates=2 - (n == 2))
    with time_machine.travel(TODAY, tick=False):
        perform(new_plan(owner, line, site="未报告考点"), "accept_plan", city)
    new_plan(owner, line, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 2))  # next year's
    institution = letter.application.institution_id
    may = datetime(2024, 5, 6, 10, tzinfo=SH)
    complaint(institution, may, "uphold", city)
    complaint(institution, may, "dismiss", city)
    complaint(institution, may, "dismiss", city)
    complaint(institution, may, None)
    complaint(institution, datetime(2023, 12, 20, 10, tzinfo=SH), "uphold", city)  # 2023's
    return other_line


def test_the_figures_equal_the_supervision_records(year_of_records, organization, line):
    figures = figures_for(organization.pk, 2024)
    reported = AssessmentPlan.objects.filter(
        institution=organization, status__in=["results_reported", "closed"], ends_on__year=2024
    )
    sums = reported.aggregate(c=Sum("candidates"), p=Sum("passed"), n=Sum("certificates"))
    assert figures["totals"] == {
        "assessments": reported.count(),
        "candidates": sums["c"],
        "passed": sums["p"],
        "certificates": sums["n"],
    }
    assert figures["totals"] == {"assessments": 3, "candidates": 9, "passed": 6, "certificates": 5}
    by_level = {row["level"]: row for row in figures["lines"]}
    assert by_level[line.level]["assessments"] == 2
    assert by_level[line.level]["certificates"] == 4
    assert by_level[year_of_records.level]["certificates"] == 1
    assert by_level[line.level]["name"] == line.occupation.name
    assert figures["unreported"] == 1
    assert figures["complaints"] == {"received": 4, "upheld": 1, "dismissed": 2, "open": 1}
    assert figures["examiners"] == 4  # 李、王、赵、孙考评, each once


def test_other_years_and_organizations_are_not_counted(year_of_records, organization):
    assert figures_for(organization.pk, 2025)["totals"]["assessments"] == 0
    assert figures_for(organization.pk, 2023)["complaints"]["received"] == 1
    assert figures_for(organization.pk + 1000, 2024)["totals"]["candidates"] == 0


def test_submitting_freezes_the_figures(year_of_records, owner, organization, city):
    done = submitted(owner, organization)
    assert done.status == "submitted"
    assert done.figures == figures_for(organization.pk, 2024)
    complaint(organization.pk, datetime(2024, 12, 30, 10, tzinfo=SH), None)  # filed late
    done.refresh_from_db()
    assert done.figures["complaints"]["received"] == 4
    assert figures_for(organization.pk, 2024)["complaints"]["received"] == 5
    with time_machine.travel(REPORTING, tick=False):
        assert perform(done, "accept_annual_report", city).status == "accepted"
