"""The sanction's workflow (N-5.2): who drafts, reviews and approves; a warning takes effect at
once; suspensions and revocations need the center and the leadership group; restoring early or
at the end date; every step audited with its clause; the parties told."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import run_sweeps
from evalorg.core.workflow import Party, TransitionRefused, perform
from evalorg.notify.models import Message
from evalorg.sanctions.models import Sanction
from evalorg.sanctions.sanctions import create_draft
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, city_agency
from tests.notify.test_transition_audience import check_told

from .conftest import END, TODAY, K, S, approve, draft

pytestmark = pytest.mark.django_db


def events(sanction) -> list[tuple[str, str, dict]]:
    return [
        (e.action, e.audience, e.data)
        for e in AuditEvent.objects.filter(object_id=str(sanction.pk)).order_by("pk")
        if e.action.startswith(("sanction", "issue_", "submit_", "review_", "approve_", "end_"))
        or e.action.endswith("_sanction")
    ]


def test_a_warning_takes_effect_when_the_agency_issues_it_and_the_organization_is_told(
    city, organization, owner
):
    warning = draft(city, organization, K.WARNING)
    with time_machine.travel(TODAY, tick=False):
        done = perform(warning, "issue_warning", city)
    assert done.status == S.EFFECTIVE and done.effective_on == TODAY.date()
    message = Message.objects.get(recipient=owner)
    assert "警告" in message.subject and "N-5.2" in message.body
    assert [(a, audience, d.get("clause")) for a, audience, d in events(done)] == [
        ("sanction_drafted", "staff", "N-5.2"),
        ("issue_warning", "applicant", "N-5.2"),
    ]


def test_a_suspension_cannot_be_issued_by_the_agency_alone(city, organization):
    suspension = draft(city, organization)
    with pytest.raises(TransitionRefused, match="领导小组审定后生效"):
        perform(suspension, "issue_warning", city)
    assert Sanction.objects.get(pk=suspension.pk).status == S.DRAFT


def test_a_suspension_goes_city_center_leadership_and_is_audited_with_its_clause(
    city, center, department, organization, owner
):
    suspension = draft(city, organization, clause="N-5.2 五(二)")
    with time_machine.travel(TODAY, tick=False):
        perform(suspension, "submit_sanction", city)
        assert Message.objects.filter(recipient=center).exists()
        with pytest.raises(TransitionRefused):  # a city cannot review
            perform(suspension, "review_sanction", city)
        perform(suspension, "review_sanction", center)
        assert Message.objects.filter(recipient=department).exists()
        with pytest.raises(TransitionRefused, match="会议纪要"):
            perform(suspension, "approve_sanction", department)
    done = approve(suspension, department)
    assert done.status == S.EFFECTIVE and done.meeting_ref and done.minutes_id
    assert Message.objects.filter(recipient=owner, subject__contains="暂停").exists()
    trail = events(done)
    assert [a for a, _audience, _d in trail] == [
        "sanction_drafted",
        "submit_sanction",
        "review_sanction",
        "approve_sanction",
    ]
    assert {d["clause"] for _a, _audience, d in trail} == {"N-5.2 五(二)"}
    assert trail[-1][1] == "applicant" and trail[-1][2]["meeting_ref"]


def test_the_center_returns_a_draft_with_a_reason_to_the_city(city, center, organization):
    suspension = draft(city, organization)
    with time_machine.travel(TODAY, tick=False):
        perform(suspension, "submit_sanction", city)
        with pytest.raises(TransitionRefused, match="理由"):
            perform(suspension, "return_sanction", center)
        done = perform(suspension, "return_sanction", center, reason="证据不足")
    assert done.status == S.DRAFT and done.return_reason == "证据不足"
    assert Message.objects.filter(recipient=city, subject__contains="退回").exists()


def test_another_city_can_neither_draft_nor_act(city, organization):
    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    with pytest.raises(TransitionRefused, match="属地监管范围"):
        draft(shenzhen, organization)
    suspension = draft(city, organization)
    with pytest.raises(TransitionRefused, match="无权"):
        perform(suspension, "submit_sanction", shenzhen)


def test_a_suspension_needs_a_period_that_has_not_passed(city, organization):
    with pytest.raises(TransitionRefused, match="开始日期和结束日期"):
        draft(city, organization, ends_on=None)
    with pytest.raises(TransitionRefused, match="不能早于"):
        draft(city, organization, ends_on=date(2024, 2, 1))
    assert not Sanction.objects.exists()


def test_only_a_revocation_names_one_occupation(city, organization, line):
    with pytest.raises(TransitionRefused, match="只有取消备案"):
        draft(city, organization, K.WARNING, line=line)
    revocation = draft(city, organization, K.REVOCATION, line=line)
    assert revocation.line == line


def test_restoring_early_is_a_decision_with_a_reason(suspended, center, owner):
    with time_machine.travel(TODAY, tick=False):
        with pytest.raises(TransitionRefused, match="理由"):
            perform(suspended, "restore_sanction", center)
        done = perform(suspended, "restore_sanction", center, reason="整改到位")
    assert done.status == S.RESTORED and done.ended_on == TODAY.date()
    assert Message.objects.filter(recipient=owner, subject__contains="解除").exists()


def test_a_revocation_cannot_be_restored(revoked, center):
    with pytest.raises(TransitionRefused, match="只有暂停"):
        perform(revoked, "restore_sanction", center, reason="x")


def test_the_sweep_restores_a_suspension_the_day_after_its_end(suspended, owner):
    with time_machine.travel(datetime.combine(END, datetime.min.time(), SH), tick=False):
        run_sweeps()
        assert Sanction.objects.get(pk=suspended.pk).status == S.EFFECTIVE
    after = datetime(2024, 6, 1, 0, 5, tzinfo=SH)
    with time_machine.travel(after, tick=False):
        results = {r.name: r for r in run_sweeps()}
        assert results["sanction_end"].ok and "1 suspension" in results["sanction_end"].summary
        run_sweeps()  # idempotent
    done = Sanction.objects.get(pk=suspended.pk)
    assert done.status == S.RESTORED and done.ended_on == date(2024, 6, 1)
    event = AuditEvent.objects.get(action="end_suspension", object_id=str(done.pk))
    assert event.actor.role == "system" and event.data["clause"] == "N-5.2"
    assert Message.objects.filter(recipient=owner, subject__contains="期满").exists()


def test_a_draft_for_an_organization_of_the_center_is_the_centers(center, organization):
    from evalorg.applications.models import Application

    Application.objects.filter(institution=organization).update(receiving_agency=center.agency)
    with time_machine.travel(TODAY, tick=False):
        made = create_draft(
            center,
            organization,
            {
                "kind": K.WARNING,
                "line": None,
                "facts": "事实",
                "clause": "N-5.2",
                "evidence": "证据",
                "starts_on": None,
                "ends_on": None,
            },
        )
        assert perform(made, "issue_warning", center).status == S.EFFECTIVE


def test_every_step_tells_its_parties_on_their_channels(
    told, city, center, department, organization, owner
):
    suspension = draft(city, organization)
    with time_machine.travel(TODAY, tick=False):
        perform(suspension, "submit_sanction", city)
        perform(suspension, "review_sanction", center)
    approve(suspension, department)
    with time_machine.travel(TODAY, tick=False):
        perform(suspension, "restore_sanction", center, reason="整改到位")
    check_told(told, [])
    assert {e.transition.action: {n.party for n in e.made} for e in told} == {
        "submit_sanction": {Party.PROVINCE},
        "review_sanction": {Party.DEPARTMENT},
        "approve_sanction": {Party.APPLICANT, Party.RECEIVING_AGENCY},
        "restore_sanction": {Party.APPLICANT, Party.RECEIVING_AGENCY},
    }
