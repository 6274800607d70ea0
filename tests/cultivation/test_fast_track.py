"""The chain-leader fast track (N-4.1.4, N-2.2): verified → cultivating without scores."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from evalorg.applications import workflow
from evalorg.applications.models import Application, ApplicationOccupation, Kind, State
from evalorg.core.models import AuditEvent
from evalorg.cultivation.models import CultivationPeriod
from evalorg.institutions.models import ChainLeaderDesignation
from evalorg.review.models import Scoresheet
from tests.applications.conftest import SH, stored_pdf
from tests.factories import CityStaffFactory, InstitutionFactory, city_agency
from tests.review.conftest import verified

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status


def designate(institution, staff) -> None:
    ChainLeaderDesignation.objects.create(
        institution=institution,
        industry_chain="新能源汽车产业链",
        document=stored_pdf("认定文件.pdf"),
        designated_on=date(2023, 4, 1),
        designated_by=staff,
        created_at=datetime(2023, 4, 1, tzinfo=SH),
    )


def test_a_chain_leader_new_application_reaches_cultivating_without_scores():
    staff = CityStaffFactory()
    institution = InstitutionFactory(is_chain_leader=True)
    designate(institution, staff)
    case = verified(staff, institution)
    with time_machine.travel(date(2023, 5, 20), tick=False):
        case = workflow.perform(case, "fast_track", staff)
    assert case.state == State.CULTIVATING and not Scoresheet.objects.exists()
    period = CultivationPeriod.objects.get(application=case)
    assert (period.starts_on, period.last_day) == (date(2023, 5, 20), date(2023, 11, 15))
    assert set(case.occupations.values_list("status", flat=True)) == {Line.CULTIVATING}
    event = AuditEvent.objects.for_object(case).get(action="fast_track")
    assert (event.from_state, event.to_state) == ("verified", "cultivating")


def test_an_institution_without_a_designation_is_refused_citing_n_4_1_4():
    staff = CityStaffFactory()
    case = verified(staff, InstitutionFactory(is_chain_leader=True))  # flag alone is not enough
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "fast_track", staff)
    assert [r.clause for r in refused.value.refusals] == ["N-4.1.4"]
    case.refresh_from_db()
    assert case.state == State.VERIFIED and not CultivationPeriod.objects.exists()


def test_an_expansion_needs_a_filed_occupation_citing_n_2_2():
    staff = CityStaffFactory()
    institution = InstitutionFactory(is_chain_leader=True)
    designate(institution, staff)
    case = verified(staff, institution)
    Application.objects.filter(pk=case.pk).update(kind=Kind.EXPANSION)
    case.refresh_from_db()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "fast_track", staff)
    assert [r.clause for r in refused.value.refusals] == ["N-2.2"]
    earlier = verified(staff, institution)
    earlier.occupations.update(status=Line.FILED)
    with time_machine.travel(date(2023, 5, 20), tick=False):
        assert workflow.perform(case, "fast_track", staff).state == State.CULTIVATING


def test_another_city_cannot_fast_track():
    staff = CityStaffFactory()
    institution = InstitutionFactory(is_chain_leader=True)
    designate(institution, staff)
    case = verified(staff, institution)
    other = CityStaffFactory(agency=city_agency("440300"))
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "fast_track", other)
    assert refused.value.refusals[0].clause == "SPEC-1"
