"""The defense slot's one state and its workflow (issue 18): the applicant confirms or asks for
another time (its own case, before the day), the center moves the slot and records attendance
(on or after the day); each refused for the wrong role, relation or state with a clause, and
nothing changed; each audited with its audience (the applicant never sees the panel)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused, available_actions, perform
from evalorg.notify.models import Message
from evalorg.selection import defense
from tests.applications.conftest import SH, applicant_of
from tests.factories import ApplicantFactory, CityStaffFactory, UserFactory

from .test_defense import BEFORE, center_staff, city, new_session, round_, sent_cases

__all__ = ["center_staff", "city", "round_"]  # fixtures

pytestmark = pytest.mark.django_db
ON_THE_DAY = datetime(2023, 6, 10, 17, 0, tzinfo=SH)


@pytest.fixture
def slot(center_staff, city, round_):
    case = sent_cases(city, 1)[0]
    session = new_session(round_, center_staff)
    return defense.add_cases(session, [case.pk], center_staff)[0]


def refused(slot, action, user, **data) -> str:
    before = (slot.state, slot.session_id, slot.position, slot.confirmed_at, slot.change_reason)
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as caught:
        perform(slot, action, user, **data)
    slot.refresh_from_db()
    after = (slot.state, slot.session_id, slot.position, slot.confirmed_at, slot.change_reason)
    assert after == before and AuditEvent.objects.count() == events
    return str(caught.value)


def test_applicant_actions_refused_for_others_and_after_the_day(slot, center_staff):
    applicant = applicant_of(slot.application)
    with time_machine.travel(BEFORE, tick=False):
        for outsider in [ApplicantFactory(), CityStaffFactory(), center_staff]:
            assert "SPEC-1" in refused(slot, "confirm_defense", outsider)
            assert "SPEC-1" in refused(slot, "request_reschedule", outsider, reason="出差")
        assert "请填写“申请调整时间”的理由" in refused(slot, "request_reschedule", applicant)
        assert [a.action for a in available_actions(slot, applicant)] == [
            "confirm_defense",
            "request_reschedule",
        ]
    with time_machine.travel(ON_THE_DAY.replace(day=11), tick=False):
        message = refused(slot, "confirm_defense", applicant)
        assert "答辩已举行" in message and "N-4.1.3" in message


def test_center_actions_refused_for_others_before_the_day_and_once_held(slot, center_staff, city):
    applicant = applicant_of(slot.application)
    city_staff = CityStaffFactory()
    other_center = UserFactory(role=Role.PROVINCE_STAFF, agency=city[0].agency)
    for user in [applicant, city_staff, UserFactory(role="expert"), other_center]:
        assert "SPEC-1" in refused(slot, "mark_absent", user)
        assert "SPEC-1" in refused(slot, "move_defense", user, session=slot.session_id, position=1)
    with time_machine.travel(BEFORE, tick=False):
        message = refused(slot, "mark_attended", center_staff)
        assert "答辩将于2023年06月10日 09:00开始" in message and "N-4.1.3" in message
    # Attendance opens when the session begins, not at midnight of its day.
    with time_machine.travel(datetime(2023, 6, 10, 8, 59, tzinfo=SH), tick=False):
        assert "开始后方可登记出席情况" in refused(slot, "mark_attended", center_staff)
    with time_machine.travel(ON_THE_DAY, tick=False):
        perform(slot, "mark_attended", center_staff)
        slot.refresh_from_db()
        assert "当前状态为“出席”" in refused(slot, "confirm_defense", applicant)
        assert "当前状态为“出席”" in refused(
            slot, "move_defense", center_staff, session=slot.session_id, position=2
        )
        # A mistaken mark is corrected by the other one.
        perform(slot, "mark_absent", center_staff)


def test_each_transition_is_audited_with_its_audience(slot, center_staff, round_):
    applicant = applicant_of(slot.application)
    other = new_session(round_, center_staff, day=date(2023, 6, 12))
    with time_machine.travel(BEFORE, tick=False):
        perform(slot, "request_reschedule", applicant, reason="法定代表人当天出差")
        assert Message.objects.filter(recipient=center_staff, subject__contains="申请调整").exists()
        perform(slot, "move_defense", center_staff, session=other.pk, position=1)
        perform(slot, "confirm_defense", applicant)
    with time_machine.travel(datetime(2023, 6, 12, 17, 0, tzinfo=SH), tick=False):
        perform(slot, "mark_absent", center_staff)
    slot.refresh_from_db()
    assert (slot.state, slot.session, slot.position) == ("absent", other, 1)
    events = list(AuditEvent.objects.for_object(slot).exclude(action="defense_slot_added"))
    assert [(e.action, e.from_state, e.to_state, e.audience) for e in events] == [
        ("request_reschedule", "offered", "reschedule_requested", "applicant"),
        ("move_defense", "reschedule_requested", "moved", "applicant"),
        ("confirm_defense", "moved", "confirmed", "applicant"),
        ("mark_absent", "confirmed", "absent", "staff"),
    ]
    assert events[0].data["reason"] == "法定代表人当天出差"
    assert events[1].data["session"] == other.pk and events[1].data["date"] == "2023-06-12"
    assert all("panel" not in e.data for e in events)
    assert defense.absent_application_ids(round_) == {slot.application_id}


def test_province_sheets_with_defense_items_are_submitted_only_once_the_session_began(slot):
    from evalorg.core.workflow import workflow_of
    from evalorg.review.models import Panel, Scoresheet, Stage

    assert defense.defense_held in workflow_of(Scoresheet).table["submit_scoresheet"].guards
    province = Scoresheet(panel=Panel(stage=Stage.PROVINCE_SELECTION), application=slot.application)
    city = Scoresheet(panel=Panel(stage=Stage.CITY_ASSESSMENT), application=slot.application)
    with time_machine.travel(datetime(2023, 6, 10, 8, 59, tzinfo=SH), tick=False):
        refusal = defense.defense_held(province, None, {})
        assert refusal and refusal.clause == "N-4.1.3" and "09:00开始" in refusal.message
        assert defense.defense_held(city, None, {}) is None
    with time_machine.travel(datetime(2023, 6, 10, 9, 0, tzinfo=SH), tick=False):
        assert defense.defense_held(province, None, {}) is None
    slot.delete()
    refusal = defense.defense_held(province, None, {})
    assert refusal and "尚未安排现场答辩" in refusal.message


def test_the_center_answers_a_reschedule_request_with_a_reason_and_the_applicant_is_told(
    client, slot, center_staff
):
    """Issue 19 item 6: the request for another time is answered: refused with a reason (the
    slot is offered again at its time) or accepted by moving the slot."""
    applicant = applicant_of(slot.application)
    with time_machine.travel(BEFORE, tick=False):
        perform(slot, "request_reschedule", applicant, reason="当天另有评审会议")
        slot.refresh_from_db()
        offered = [a.action for a in available_actions(slot, center_staff)]
        assert offered[:2] == ["refuse_reschedule", "move_defense"]
        assert "请填写“不同意调整”的理由" in refused(slot, "refuse_reschedule", center_staff)
        assert "SPEC-1" in refused(slot, "refuse_reschedule", applicant, reason="x")
        client.force_login(center_staff)
        page = client.get(reverse("defense:detail", args=[slot.session_id])).content.decode()
        assert 'data-testid="refuse-reschedule"' in page
        response = client.post(
            reverse("defense:refuse", args=[slot.session_id, slot.pk]),
            {"reason": "场地已排满，请按原定时间参加", "confirm": "yes"},
        )
        assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.state == "offered" and slot.change_reason == ""
    told = Message.objects.filter(recipient=applicant).order_by("-pk").first()
    assert "未获同意" in told.subject
    assert "场地已排满" in told.body and f"{slot.session.date:%Y年%m月%d日}" in told.body
    event = AuditEvent.objects.for_object(slot).get(action="refuse_reschedule")
    assert event.audience == "applicant" and event.data["reason"].startswith("场地已排满")
    # Answered, the applicant confirms the time as offered; the center's form is gone.
    with time_machine.travel(BEFORE, tick=False):
        assert next(a.action for a in available_actions(slot, applicant)) == "confirm_defense"
        page = client.get(reverse("defense:detail", args=[slot.session_id])).content.decode()
    assert 'data-testid="refuse-reschedule"' not in page
