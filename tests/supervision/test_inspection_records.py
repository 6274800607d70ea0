"""The course of one random inspection (issue 25 item 2, N-5.2): findings by the inspector, a
rectification order with a deadline, the organization's answer, the local agency's closing or
escalation; each refusal with its clause, each step through the engine."""
# ruff: noqa: F811  (the fixtures imported from test_inspections are used by name)

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.supervision.models import Inspection
from tests.applications.conftest import applicant_of
from tests.factories import CityStaffFactory, city_agency

from .conftest import TODAY
from .test_inspections import (  # noqa: F401  (fixtures: the center, organizations, inspectors)
    GUANGZHOU,
    SHENZHEN,
    center,
    draw,
    inspectors,
    organizations,
)

pytestmark = pytest.mark.django_db
S = Inspection.Status
DEADLINE = date(2024, 4, 30)


@pytest.fixture
def inspection(center, organizations, inspectors) -> Inspection:
    d = draw(center, share=100)
    with time_machine.travel(TODAY, tick=False):
        perform(d, "publish_draw", center)
    return d.inspections.select_related("institution").get(institution=organizations[0])


def act(inspection, action, user, **data):
    with time_machine.travel(TODAY, tick=False):
        return perform(inspection, action, user, **data)


def test_no_findings_closes_the_inspection(inspection):
    done = act(inspection, "record_no_findings", inspection.inspector, findings="")
    assert done.status == S.CLOSED


def test_findings_rectification_answer_and_closing(inspection):
    owner = applicant_of(inspection.institution.applications.order_by("pk").first())
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    ordered = act(
        inspection,
        "order_rectification",
        inspection.inspector,
        findings="考评人员未持证上岗",
        rectify_by=DEADLINE,
    )
    assert (ordered.status, ordered.rectify_by) == (S.RECTIFYING, DEADLINE)
    answered = act(ordered, "answer_rectification", owner, answer="已更换持证考评人员")
    assert answered.status == S.ANSWERED
    assert "close_inspection" in {a.action for a in available_actions(answered, city)}
    assert act(answered, "close_inspection", city).status == S.CLOSED


def test_the_local_agency_escalates_with_a_reason(inspection):
    city = CityStaffFactory(agency=city_agency(GUANGZHOU))
    ordered = act(
        inspection,
        "order_rectification",
        inspection.inspector,
        findings="问题",
        rectify_by=DEADLINE,
    )
    with pytest.raises(TransitionRefused):
        act(ordered, "escalate_inspection", city)  # no reason
    assert act(ordered, "escalate_inspection", city, reason="逾期未整改").status == S.ESCALATED


def test_refusals_say_their_clause_and_change_nothing(inspection):
    with pytest.raises(TransitionRefused) as refused:
        act(inspection, "order_rectification", inspection.inspector, findings="", rectify_by=None)
    shown = [r.shown for r in refused.value.refusals]
    assert any("请填写检查发现的问题" in s and "N-5.2" in s for s in shown)
    assert any("整改期限须晚于今天" in s for s in shown)
    inspection.refresh_from_db()
    assert inspection.status == S.ASSIGNED and inspection.findings == ""


def test_another_city_another_expert_and_the_organization_cannot_act(inspection, inspectors):
    other_city = CityStaffFactory(agency=city_agency(SHENZHEN))
    other_expert = next(e for e in inspectors if e.pk != inspection.inspector_id)
    owner = applicant_of(inspection.institution.applications.order_by("pk").first())
    for user in (other_city, other_expert, owner):
        assert available_actions(inspection, user) == []
        with pytest.raises(TransitionRefused):
            act(inspection, "record_no_findings", user)
    assert [a.action for a in available_actions(inspection, inspection.inspector)] == [
        "record_no_findings",
        "order_rectification",
    ]


def test_no_inspection_before_the_draw_is_published(center, organizations, inspectors):
    unpublished = draw(center, share=100).inspections.first()
    with pytest.raises(TransitionRefused) as refused:
        act(unpublished, "record_no_findings", unpublished.inspector)
    assert "公开后才能开展检查" in str(refused.value)


def test_only_the_organizations_own_city_closes_or_escalates(inspection):
    owner = applicant_of(inspection.institution.applications.order_by("pk").first())
    ordered = act(
        inspection,
        "order_rectification",
        inspection.inspector,
        findings="问题",
        rectify_by=DEADLINE,
    )
    answered = act(ordered, "answer_rectification", owner, answer="已整改")
    other_city = CityStaffFactory(agency=city_agency(SHENZHEN))
    assert available_actions(answered, other_city) == []
    with pytest.raises(TransitionRefused):
        act(answered, "close_inspection", other_city)
    answered.refresh_from_db()
    assert answered.status == S.ANSWERED
