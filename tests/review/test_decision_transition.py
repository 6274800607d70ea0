"""The stage decision is the effect of its transition (issue 18): recommend / not_recommend write
the stage record under the case's lock, with the reason, rank and total passed to perform();
the reason stays with staff (its own ``staff`` event) unless the transition shows it to the
applicant; a refused transition writes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from evalorg.accounts.models import Agency
from evalorg.applications import workflow
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from evalorg.review.models import ReviewStage, Stage
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, UserFactory, city_agency

from .conftest import assessed, panel_with_experts

pytestmark = pytest.mark.django_db
ON_TIME = datetime(2023, 5, 24, 10, 0, tzinfo=SH)


@pytest.fixture
def staff():
    return CityStaffFactory()


@pytest.fixture
def case(staff):
    panel, experts = panel_with_experts(staff)
    return assessed(staff, panel, experts, [8, 8, 8])


def record(case) -> ReviewStage:
    return ReviewStage.objects.get(application=case, stage=Stage.CITY_ASSESSMENT)


def test_recommend_writes_the_decision_and_keeps_the_reason_with_staff(staff, case):
    case = workflow.perform(case, "recommend", staff, reason="内部：产业代表性突出")
    decision = record(case)
    assert (decision.recommended, decision.reason) == (True, "内部：产业代表性突出")
    # Rank and total come from the ranking when the caller gives none (the API).
    assert (decision.rank, str(decision.total)) == (1, "80.00")
    assert decision.decided_by == staff and decision.decided_at is not None
    recorded = AuditEvent.objects.get(action="decision_recorded")
    assert recorded.audience == "staff" and recorded.data["reason"] == "内部：产业代表性突出"
    moved = AuditEvent.objects.get(action="recommend")
    assert moved.audience == "applicant" and "reason" not in moved.data
    assert recorded.pk < moved.pk  # the order written (seq is given at sealing)


def test_not_recommend_tells_the_applicant_its_reason(staff, case):
    workflow.perform(case, "not_recommend", staff, reason="场地不足", rank=3, total=None)
    decision = record(case)
    assert (decision.recommended, decision.rank, decision.total) == (False, 3, None)
    moved = AuditEvent.objects.get(action="not_recommend")
    assert moved.audience == "applicant" and moved.data["reason"] == "场地不足"


@pytest.mark.parametrize("who", ["expert", "other_city", "province_staff"])
def test_decision_refused_for_the_wrong_role_or_relation_writes_nothing(case, who):
    user = {
        "expert": lambda: UserFactory(role="expert"),
        "other_city": lambda: CityStaffFactory(agency=city_agency("440300")),
        "province_staff": lambda: UserFactory(
            role="province_staff", agency=Agency.objects.get(kind="province")
        ),
    }[who]()
    events = AuditEvent.objects.count()
    for action in ("recommend", "not_recommend"):
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.perform(case, action, user, reason="越权")
        assert refused.value.refusals[0].clause == "SPEC-1"
        assert "您无权" in refused.value.refusals[0].message
    case.refresh_from_db()
    assert case.state == State.CITY_ASSESSED and AuditEvent.objects.count() == events
    assert not ReviewStage.objects.filter(application=case).exclude(recommended=None).exists()


def test_decision_refused_in_the_wrong_state_writes_nothing(staff, case):
    workflow.perform(case, "recommend", staff, reason="优", rank=1, total=None)
    events = AuditEvent.objects.count()
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "not_recommend", staff, reason="改主意")
    assert "当前状态为“已推荐”" in str(refused.value) and "SPEC-5" in str(refused.value)
    assert (record(case).recommended, record(case).reason) == (True, "优")
    assert AuditEvent.objects.count() == events


def test_revision_clears_then_the_next_decision_is_audited_as_revised(staff, case):
    case = workflow.perform(case, "recommend", staff, reason="优", rank=1, total=None)
    with time_machine.travel(ON_TIME, tick=False):
        case = workflow.perform(case, "revise_decision", staff, reason="复核")
    assert record(case).recommended is None and record(case).reason == "优"
    workflow.perform(case, "not_recommend", staff, reason="复核：场地不足", rank=1, total=None)
    revised = AuditEvent.objects.get(action="decision_revised")
    assert revised.audience == "staff"
    assert (revised.data["previous"], revised.data["recommended"]) == (None, False)
    assert record(case).reason == "复核：场地不足"
