"""A filed organization (letter valid until 2028-11-30, received by Guangzhou), its local
agency's expert pool, plans in each state, and rosters (issue 25, N-5.2)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from evalorg.accounts.models import Role
from evalorg.applications.models import ApplicationOccupation
from evalorg.core.workflow import perform
from evalorg.institutions.models import Institution
from evalorg.review.models import ExpertProfile
from evalorg.supervision.models import AssessmentPlan
from evalorg.supervision.plans import create_plan
from evalorg.supervision.roster import Row, replace_roster
from tests.applications.conftest import SH, applicant_of
from tests.factories import CityStaffFactory, UserFactory, city_agency
from tests.filing.conftest import registry_row

# "Today" of these tests: after filing (2023-12-01), before the plans' dates.
TODAY = datetime(2024, 3, 1, 10, 0, tzinfo=SH)
AFTER = datetime(2024, 3, 20, 10, 0, tzinfo=SH)  # the assessment of ``plan_data`` is over
LATE = datetime(2024, 4, 5, 10, 0, tzinfo=SH)  # more than 15 days after its last day
VALID_UNTIL = date(2028, 11, 30)
# Valid identity numbers (GB 11643 check digit).
IDS = ["11010519491231002X", "440106199001011235", "440304198506150031"]


def expert(agency=None, *, uscc: str = "91440101MA5D000001", **kwargs):
    user = UserFactory(role=Role.EXPERT, **kwargs)
    ExpertProfile.objects.create(
        user=user, employer_uscc=uscc, pool_agency=agency or city_agency("440100")
    )
    return user


@pytest.fixture
def letter(db):
    return registry_row(number=1)


@pytest.fixture
def organization(letter) -> Institution:
    return letter.application.institution


@pytest.fixture
def owner(letter):
    return applicant_of(letter.application)


@pytest.fixture
def line(letter) -> ApplicationOccupation:
    return letter.application.occupations.order_by("level").first()


@pytest.fixture
def city():
    return CityStaffFactory(agency=city_agency("440100"))


@pytest.fixture
def pool(db):
    return [expert(full_name=f"督导专家{n}") for n in range(3)]


def plan_data(line, **changes):
    data = {
        "line": line,
        "starts_on": date(2024, 3, 10),
        "ends_on": date(2024, 3, 11),
        "site": "广州市天河区考点",
        "expected_candidates": 30,
        "examiners": ["李考评", "王考评"],
    }
    return data | changes


def new_plan(owner, line, **changes) -> AssessmentPlan:
    with time_machine.travel(TODAY, tick=False):
        return create_plan(owner, line.application.institution, plan_data(line, **changes))


@pytest.fixture
def plan(owner, line) -> AssessmentPlan:
    return new_plan(owner, line)


@pytest.fixture
def accepted(plan, city, pool) -> AssessmentPlan:
    with time_machine.travel(TODAY, tick=False):
        return perform(plan, "accept_plan", city, seed=12345)


def rows(results=("合格", "合格", "不合格")) -> list[Row]:
    return [
        Row(n + 2, f"考生{n}", IDS[n], result, f"Z{n:04d}" if result == "合格" else "")
        for n, result in enumerate(results)
    ]


def report(plan, owner, *, certificates=2) -> AssessmentPlan:
    with time_machine.travel(AFTER, tick=False):
        plan.candidates, plan.passed, plan.certificates = 3, 2, certificates
        plan.save()
        replace_roster(plan, rows())
        return perform(plan, "report_results", owner)


@pytest.fixture
def reported(accepted, owner) -> AssessmentPlan:
    return report(accepted, owner)
