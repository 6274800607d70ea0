"""Scopes follow the work (issue 19 item 2), from both sides: the province sees every case in a
stage it acts on whatever route the case took (a chain leader fast-tracked by its city, N-4.1.4,
never sent to the province), and nothing it does not act on yet (a case still at its city's
review); the department sees the acceptance batch waiting for its approval (N-4.3); an expert
sees only the cases assigned to them; another city sees nothing of the case."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.models import Application
from evalorg.core.todo import todo_items
from evalorg.filing.batches import create_batch
from tests.cultivation.test_fast_track import designate
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency
from tests.filing.conftest import department_staff, passed, province_staff
from tests.review.conftest import panel_with_experts, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return CityStaffFactory()


@pytest.fixture
def fast_tracked(city) -> Application:
    """A chain leader's case received by 广州 and fast-tracked to cultivation: never sent."""
    institution = InstitutionFactory(is_chain_leader=True)
    designate(institution, city)
    case = verified(city, institution)
    with time_machine.travel(date(2023, 5, 20), tick=False):
        return workflow.perform(case, "fast_track", city)


def _status(client, user, name: str, *args) -> int:
    client.force_login(user)
    return client.get(reverse(name, args=args)).status_code


def test_the_province_reads_a_fast_tracked_case_and_reviews_its_banks(client, fast_tracked):
    center = province_staff()
    line = fast_tracked.occupations.first()
    assert Application.objects.for_user(center).filter(pk=fast_tracked.pk).exists()
    assert _status(client, center, "applications:detail", fast_tracked.pk) == 200
    assert _status(client, center, "review_inbox:case", fast_tracked.pk) == 301  # one case page
    assert _status(client, center, "cultivation:line_review", line.pk) == 200


def test_the_province_does_not_see_a_case_still_at_its_city(client, city):
    center = province_staff()
    at_the_city = verified(city)
    assert not Application.objects.for_user(center).filter(pk=at_the_city.pk).exists()
    assert _status(client, center, "applications:detail", at_the_city.pk) == 404
    assert _status(client, center, "review_inbox:case", at_the_city.pk) == 404


def test_another_city_and_an_unassigned_expert_are_refused_the_fast_tracked_case(
    client, fast_tracked
):
    other_city = CityStaffFactory(agency=city_agency("440300"))
    expert = UserFactory(role=Role.EXPERT)
    line = fast_tracked.occupations.first()
    for user in (other_city, expert):
        assert not Application.objects.for_user(user).filter(pk=fast_tracked.pk).exists()
        assert _status(client, user, "applications:detail", fast_tracked.pk) == 404
        assert _status(client, user, "cultivation:line_review", line.pk) == 404


def test_an_expert_sees_only_their_assignments(client, city):
    panel, (assigned, _other, _third) = panel_with_experts(city)
    case, not_assigned = verified(city), verified(city)
    panel.assignments.create(application=case)
    outsider = UserFactory(role=Role.EXPERT)
    assert list(Application.objects.for_user(assigned)) == [case]
    assert _status(client, assigned, "applications:detail", case.pk) == 200
    assert _status(client, assigned, "applications:detail", not_assigned.pk) == 404
    assert _status(client, outsider, "applications:detail", case.pk) == 404


def test_the_department_finds_the_batch_waiting_for_its_approval(client):
    center, department = province_staff(), department_staff()
    case = passed()
    Application.objects.filter(pk=case.pk).update(receiving_agency=center.agency)
    batch = create_batch(case.round, "2023年第一批验收", [case], center)
    waiting = [item for item in todo_items(department) if item.pk == batch.pk]
    assert [item.url for item in waiting] == [reverse("filing:batch", args=[batch.pk])]
    assert _status(client, department, "filing:batch", batch.pk) == 200
    assert department.agency.kind == Agency.Kind.DEPARTMENT
    # Refused: an applicant and a city agency do not see the province's batches.
    applicant = case.institution.memberships.first().user
    assert _status(client, applicant, "filing:batch", batch.pk) in {403, 404}
    assert _status(client, CityStaffFactory(), "filing:batch", batch.pk) in {403, 404}
