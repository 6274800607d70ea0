"""Assessment plans (issue 25 item 1, N-5.2): registered within the filed scope and validity,
before the assessment; returned and resubmitted; accepted with a supervisor drawn; results; the
supervisor's report closes the plan."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from evalorg.applications.models import ApplicationOccupation
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.notify.models import Message
from evalorg.supervision.models import AssessmentPlan
from evalorg.supervision.plans import create_plan
from tests.filing.conftest import registry_row

from .conftest import AFTER, TODAY, new_plan, plan_data, report

pytestmark = pytest.mark.django_db
S = AssessmentPlan.Status


def refused_for(owner, line, **changes) -> str:
    with pytest.raises(TransitionRefused) as refused:
        new_plan(owner, line, **changes)
    return str(refused.value)


def test_a_plan_in_scope_is_submitted_audited_and_the_agency_told(city, plan):
    assert plan.status == S.SUBMITTED and plan.agency == city.agency
    assert AuditEvent.objects.filter(action="assessment_plan_submitted").count() == 1
    assert Message.objects.filter(recipient=city, subject__contains="认定计划待受理").exists()


def test_an_occupation_outside_the_filed_scope_is_refused_citing_n_5_2(owner, line):
    unfiled = ApplicationOccupation.objects.get(pk=line.pk)
    ApplicationOccupation.objects.filter(pk=line.pk).update(
        status=ApplicationOccupation.Status.BANK_PASSED
    )
    unfiled.refresh_from_db()
    message = refused_for(owner, unfiled)
    assert "不在本机构的备案范围内" in message and "（N-5.2）" in message
    assert not AssessmentPlan.objects.exists()


def test_another_organizations_filed_line_is_outside_the_scope(owner, organization):
    other = registry_row(number=2).application.occupations.first()
    with pytest.raises(TransitionRefused) as refused, time_machine.travel(TODAY, tick=False):
        create_plan(owner, organization, plan_data(other))
    assert "不在本机构的备案范围内。（N-5.2）" in str(refused.value)


def test_dates_beyond_the_validity_are_refused_the_last_valid_day_is_not(owner, line):
    message = refused_for(owner, line, starts_on=date(2028, 11, 30), ends_on=date(2028, 12, 1))
    assert "超出备案有效期（有效期至 2028年11月30日）。（N-5.2）" in message
    on_the_day = new_plan(owner, line, starts_on=date(2028, 11, 30), ends_on=date(2028, 11, 30))
    assert on_the_day.status == S.SUBMITTED


def test_a_plan_starting_today_or_earlier_is_refused_tomorrow_is_not(owner, line):
    today = TODAY.date()
    for day in (today, date(2024, 2, 1)):
        assert "须晚于今天" in refused_for(owner, line, starts_on=day, ends_on=day)
    assert new_plan(owner, line, starts_on=date(2024, 3, 2), ends_on=date(2024, 3, 2))


def test_expected_candidates_must_be_1_to_5000(owner, line):
    assert "1 至 5000" in refused_for(owner, line, expected_candidates=0)
    assert "1 至 5000" in refused_for(owner, line, expected_candidates=5001)
    assert new_plan(owner, line, expected_candidates=5000)


def test_returned_with_a_reason_then_resubmitted(plan, city, owner):
    assert "return_plan" in {a.action for a in available_actions(plan, city)}
    with time_machine.travel(TODAY, tick=False):
        with pytest.raises(TransitionRefused, match="理由"):
            perform(plan, "return_plan", city)
        returned = perform(plan, "return_plan", city, reason="考点信息不全")
        assert returned.status == S.RETURNED and returned.return_reason == "考点信息不全"
        assert [a.action for a in available_actions(returned, owner)] == ["resubmit_plan"]
        again = perform(returned, "resubmit_plan", owner)
    assert again.status == S.SUBMITTED


def test_accepting_draws_a_supervisor_and_tells_them_and_the_organization(accepted, pool, owner):
    assert accepted.status == S.ACCEPTED and accepted.supervisor in pool
    assert accepted.draw_seed == 12345
    event = AuditEvent.objects.get(action="accept_plan")
    assert event.data["seed"] == 12345 and event.data["supervisor"] == accepted.supervisor_id
    assert event.audience == "staff"
    assert Message.objects.filter(
        recipient=accepted.supervisor, subject__contains="质量督导"
    ).exists()
    told = Message.objects.get(recipient=owner, subject__contains="已受理")
    assert accepted.supervisor.full_name not in told.subject + told.body


def test_another_city_may_not_accept(plan, pool):
    from tests.factories import CityStaffFactory, city_agency

    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    assert available_actions(plan, shenzhen) == []
    with pytest.raises(TransitionRefused), time_machine.travel(TODAY, tick=False):
        perform(plan, "accept_plan", shenzhen)


def test_results_only_after_the_assessment_and_consistent_with_the_roster(accepted, owner):
    with time_machine.travel(TODAY, tick=False), pytest.raises(TransitionRefused, match="认定结束"):
        perform(accepted, "report_results", owner)
    with pytest.raises(TransitionRefused, match="发放证书数不能多于合格人数"):
        report(accepted, owner, certificates=3)
    done = report(accepted, owner)
    assert done.status == S.RESULTS_REPORTED and done.results_reported_at is not None


def test_the_supervisor_report_closes_the_plan_and_nobody_else_files_it(reported, owner, pool):
    others = [e for e in pool if e != reported.supervisor]
    assert available_actions(reported, others[0]) == []
    assert available_actions(reported, owner) == []
    with time_machine.travel(AFTER, tick=False):
        with pytest.raises(TransitionRefused, match="是否按计划时间开展"):
            perform(reported, "file_supervision_report", reported.supervisor)
        closed = perform(
            reported,
            "file_supervision_report",
            reported.supervisor,
            on_time=True,
            procedures_followed=False,
            irregularities="考场未按规定张贴考生须知",
        )
    assert closed.status == S.CLOSED and closed.procedures_followed is False
    assert AuditEvent.objects.get(action="file_supervision_report").audience == "staff"
