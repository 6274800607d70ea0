"""The to-do list from the engine (issue 19 item 1): every workflow has a source, nothing is
registered by hand, and the list costs the same number of queries for 10 and 1,000 items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.accounts.models import Agency, Role, User
from evalorg.annual.models import AnnualReport
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.catalog.models import Occupation
from evalorg.core import todo
from evalorg.core.workflow import workflows
from evalorg.cultivation.models import TrainingSession
from evalorg.institutions.models import Institution
from evalorg.publicity.models import PublicityNotice
from evalorg.review.models import Assignment, Panel, PanelMember, Scoresheet
from evalorg.rounds.models import Round
from evalorg.selection.models import DefenseSession, DefenseSlot, LeadershipApproval
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import cultivating
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency
from tests.filing.conftest import department_staff, province_staff
from tests.source_search import lines_matching

pytestmark = pytest.mark.django_db
TODAY = datetime(2025, 6, 2, 10, 0, tzinfo=SH)
Line = ApplicationOccupation.Status


def test_every_workflow_has_a_todo_source() -> None:
    sourced = {source.model for source in todo.sources()}
    missing = [w.name for w in workflows() if w.model not in sourced]
    assert not missing, f"workflows without a to-do source: {missing}"


def test_no_app_registers_todo_items_by_hand() -> None:
    import re

    found = lines_matching(re.compile(r"register_todo|TodoProvider"), {})
    assert not found, "\n".join(found)


# ---- the query count at 10 and at 1,000 items ----------------------------------------------


def _cases(n: int, state: str, agency: Agency) -> list[Application]:
    """``n`` cases of as many institutions, stored in bulk."""
    institutions = Institution.objects.bulk_create(InstitutionFactory.build() for _ in range(n))
    round_ = Round.objects.get(code="gd-2023")
    return Application.objects.bulk_create(
        Application(
            round=round_,
            institution=institution,
            state=state,
            receiving_agency=agency,
            submitted_at=TODAY,
        )
        for institution in institutions
    )


def _lines(case: Application, n: int, status: str) -> None:
    taken = set(case.occupations.values_list("occupation_id", flat=True))
    codes = Occupation.objects.exclude(code__in=taken).values_list("code", flat=True)
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=case, occupation_id=code, level=3, status=status)
        for code in codes[:n]
    )


class Scenario:
    """One role's user and a way to add ``n`` items to its list."""

    def __init__(self, user: User, grow: Callable[[int], None]):
        self.user, self.grow = user, grow


def _city() -> Scenario:
    staff = CityStaffFactory()

    def grow(n: int) -> None:  # cases to verify and trainings held
        _cases(n // 2, State.SUBMITTED, staff.agency)
        TrainingSession.objects.bulk_create(
            TrainingSession(
                organiser=staff.agency,
                held_on=date(2025, 5, 1),
                topic="考务",
                place="广州",
                created_by=staff,
            )
            for _ in range(n - n // 2)
        )

    return Scenario(staff, grow)


def _province() -> Scenario:
    """Cases it received to select (each with a defense slot whose day has come), draft
    notices to publish, and banks to review."""
    center = province_staff()
    case = cultivating(InstitutionFactory())
    round_ = Round.objects.get(code="gd-2023")
    panel = Panel.objects.create(
        agency=center.agency, round=round_, stage="province_selection", name="省级组"
    )
    session = DefenseSession.objects.create(
        round=round_,
        panel=panel,
        date=date(2025, 6, 1),
        start_time=time(9, 0),
        place="省中心",
        minutes_per_slot=20,
        created_by=center,
        created_at=TODAY,
    )

    def grow(n: int) -> None:
        k = n // 4
        cases = _cases(k, State.PROVINCE_REVIEW, center.agency)
        DefenseSlot.objects.bulk_create(
            DefenseSlot(session=session, application=c, position=i) for i, c in enumerate(cases)
        )
        PublicityNotice.objects.bulk_create(
            PublicityNotice(
                round=round_,
                title="公示",
                body="",
                starts_on=date(2025, 6, 10),
                ends_on=date(2025, 6, 16),
                working_days=5,
                objections_to="",
                created_by=center,
            )
            for _ in range(k)
        )
        _lines(case, n - 3 * k, Line.BANK_SUBMITTED)

    return Scenario(center, grow)


def _applicant() -> Scenario:
    case = cultivating(InstitutionFactory())
    return Scenario(applicant_of(case), lambda n: _lines(case, n, Line.CULTIVATING))


def _department() -> Scenario:
    round_ = Round.objects.get(code="gd-2023")

    def grow(n: int) -> None:  # batches and selected cases waiting for its approval
        LeadershipApproval.objects.bulk_create(
            LeadershipApproval(kind=LeadershipApproval.Kind.ACCEPTANCE, round=round_)
            for _ in range(n - n // 2)
        )
        _cases(n // 2, State.SELECTED, city_agency())

    return Scenario(department_staff(), grow)


def _expert() -> Scenario:
    expert = UserFactory(role=Role.EXPERT)
    agency = city_agency()
    panel = Panel.objects.create(
        agency=agency, round=Round.objects.get(code="gd-2023"), stage="city_assessment", name="组"
    )
    PanelMember.objects.create(panel=panel, expert=expert)

    def grow(n: int) -> None:  # sheets not started yet, and drafts saved
        cases = _cases(n, State.VERIFIED, agency)
        Assignment.objects.bulk_create(Assignment(panel=panel, application=c) for c in cases)
        Scoresheet.objects.bulk_create(
            Scoresheet(panel=panel, application=c, expert=expert) for c in cases[::2]
        )

    return Scenario(expert, grow)


def _city_annual_reports() -> Scenario:
    """Annual reports submitted to a city (issue 25 item 7): one organization each."""
    staff = CityStaffFactory()

    def grow(n: int) -> None:
        institutions = Institution.objects.bulk_create(InstitutionFactory.build() for _ in range(n))
        AnnualReport.objects.bulk_create(
            AnnualReport(
                institution=institution,
                year=2024,
                agency=staff.agency,
                status=AnnualReport.Status.SUBMITTED,
                created_by=staff,
                created_at=TODAY,
            )
            for institution in institutions
        )

    return Scenario(staff, grow)


SCENARIOS = {
    "city": _city,
    "city_annual_reports": _city_annual_reports,
    "province": _province,
    "applicant": _applicant,
    "department": _department,
    "expert": _expert,
}


def _measure(user: User) -> tuple[int, int]:
    fresh = User.objects.get(pk=user.pk)  # nothing cached from the previous measure
    with CaptureQueriesContext(connection) as queries:
        count = sum(group.count for group in todo.todo_groups(fresh))
    return count, len(queries)


@pytest.mark.parametrize("role", SCENARIOS)
def test_the_list_costs_the_same_queries_for_10_and_1000_items(role: str) -> None:
    with time_machine.travel(TODAY, tick=False):
        scenario = SCENARIOS[role]()
        before, _queries = _measure(scenario.user)
        scenario.grow(10)
        ten, at_ten = _measure(scenario.user)
        scenario.grow(990)
        thousand, at_thousand = _measure(scenario.user)
    assert (ten - before, thousand - before) == (10, 1000)
    assert at_ten == at_thousand, f"{at_ten} queries for 10 items, {at_thousand} for 1,000"


@pytest.mark.parametrize("role", ["city", "province", "expert"])
def test_the_home_page_and_the_api_cost_the_same_queries_for_10_and_1000_items(
    client, role: str
) -> None:
    def measure(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with time_machine.travel(TODAY, tick=False):
        scenario = SCENARIOS[role]()
        client.force_login(scenario.user)
        scenario.grow(10)
        at_ten = measure("/"), measure("/api/todo")
        scenario.grow(990)
        at_thousand = measure("/"), measure("/api/todo")
        listed = client.get("/api/todo").json()["count"]
    assert listed >= 1000
    assert at_ten == at_thousand
