"""The 180-day clock (N-4.2): the last day, the countdown on the case page, the reminders at
30 and 7 days and on the last day, each once; elimination after the last day (N-4.3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.system import system_actor
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import sweep_names
from evalorg.cultivation.deadlines import sweep_elimination, sweep_reminders
from evalorg.cultivation.models import CultivationPeriod, Reminder
from evalorg.cultivation.services import last_day_for
from evalorg.notify.models import Message, OutboundEmail
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import LAST, START, cultivating
from tests.factories import CityStaffFactory

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def test_day_180_counted_from_the_start_day():
    case = cultivating()
    assert last_day_for(case, START) == LAST == date(2025, 8, 29)
    period = CultivationPeriod.objects.get(application=case)
    assert (period.starts_on, period.last_day) == (START, LAST)


def test_the_sweeps_are_registered():
    assert {"cultivation_reminders", "cultivation_elimination"} <= set(sweep_names())


@pytest.mark.parametrize("who", ["applicant", "staff"])
def test_the_case_page_counts_down(client, who):
    case = cultivating()
    user = applicant_of(case) if who == "applicant" else CityStaffFactory()
    url = reverse("applications:detail", args=[case.pk])
    with time_machine.travel(at(LAST - timedelta(days=10)), tick=False):
        client.force_login(user)
        html = client.get(url).content.decode()
    assert 'data-testid="countdown"' in html and "2025-08-29" in html
    assert "剩余 11 天（含今天）" in html  # the 10 days after today, and today
    with time_machine.travel(at(LAST), tick=False):
        client.force_login(user)  # sessions expire when idle
        assert "今天是培育期最后一天" in client.get(url).content.decode()
    assert ('data-testid="sign-link"' in html) == (who == "applicant")


def _reminders(case) -> list[str]:
    return sorted(Reminder.objects.filter(period__application=case).values_list("kind", flat=True))


def _told(case) -> int:
    return Message.objects.filter(recipient=applicant_of(case)).count()


def test_reminders_at_30_and_7_days_and_on_the_last_day_each_once():
    case = cultivating()
    with time_machine.travel(at(LAST - timedelta(days=31)), tick=False):
        assert sweep_reminders() == "reminders sent 0"
    with time_machine.travel(at(LAST - timedelta(days=30)), tick=False):
        assert sweep_reminders() == "reminders sent 1"
        assert sweep_reminders() == "reminders sent 0"
    assert _reminders(case) == ["d30"] and _told(case) == 1
    message = Message.objects.get(recipient=applicant_of(case))
    assert "30 天" in message.subject and "2025年08月29日" in message.body
    assert OutboundEmail.objects.filter(subject=message.subject).count() == 1
    with time_machine.travel(at(LAST - timedelta(days=7)), tick=False):
        sweep_reminders()
    with time_machine.travel(at(LAST, 23), tick=False):
        sweep_reminders()
        sweep_reminders()
    assert _reminders(case) == ["d0", "d30", "d7"] and _told(case) == 3
    with time_machine.travel(at(LAST + timedelta(days=1)), tick=False):
        assert sweep_reminders() == "reminders sent 0"


def test_a_late_sweep_sends_only_the_latest_due_reminder_once():
    case = cultivating()
    with time_machine.travel(at(LAST - timedelta(days=5)), tick=False):  # missed the 30-day mark
        sweep_reminders()
    assert _reminders(case) == ["d7"] and _told(case) == 1
    with time_machine.travel(at(LAST - timedelta(days=3)), tick=False):
        sweep_reminders()
    assert _reminders(case) == ["d7"] and _told(case) == 1  # never the past d30 afterwards


def test_no_reminder_for_a_case_no_longer_in_cultivation():
    case = cultivating()
    Application.objects.filter(pk=case.pk).update(state="withdrawn")
    with time_machine.travel(at(LAST), tick=False):
        assert sweep_reminders() == "reminders sent 0"


def _lines(case) -> dict[int, str]:
    return dict(case.occupations.values_list("level", "status"))


def _eliminated_by_the_system(case, obj, levels: tuple[str, ...]) -> None:
    """``obj`` (the case or a line) has its ``eliminate`` event by the system citing N-4.3,
    and the institution was told (in-app and e-mail): each eliminated line in its own message
    naming its occupation and one of ``levels`` (issue 19), the case in one of its own."""
    event = AuditEvent.objects.for_object(obj).get(action="eliminate")
    assert event.actor_label == "系统" and event.audience == "applicant"
    assert "N-4.3" in event.data["reason"]
    told = Message.objects.filter(recipient=applicant_of(case), subject__contains="自然淘汰")
    lines = [m for m in told if m.subject.startswith("职业（工种）自然淘汰")]
    assert any(level in m.subject and "N-4.3" in m.body for m in lines for level in levels)
    assert len(lines) == case.occupations.filter(status=Line.ELIMINATED).count()
    if obj == case:
        assert told.filter(subject__contains="培育辅导期届满").count() == 1
    for message in told:
        assert OutboundEmail.objects.filter(subject=message.subject).exists()


def test_the_day_180_boundary_nothing_passed_eliminates_case_and_lines():
    case = cultivating()
    with time_machine.travel(clock.deadline_end(LAST), tick=False):  # 23:59:59.999999
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert Application.objects.get(pk=case.pk).state == "cultivating"
    with time_machine.travel(at(LAST + timedelta(days=1), 0), tick=False):  # 00:00:00
        assert sweep_elimination() == "eliminated 1, lines 0"
        events = AuditEvent.objects.count()
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.state == "eliminated" and set(_lines(case).values()) == {Line.ELIMINATED}
    _eliminated_by_the_system(case, case, ("五级", "初级"))


def test_some_lines_passed_waits_cultivating_for_an_acceptance_batch():
    """The end of the period never accepts nor files (N-4.3: only the leadership group's
    approval in an acceptance batch does): the case stays cultivating and a candidate for the
    next batch; its unfinished line is eliminated, once, and the institution told."""
    from evalorg.filing.batches import candidates
    from evalorg.filing.models import FilingLetter

    case = cultivating()
    five = case.occupations.get(level=5)
    ApplicationOccupation.objects.filter(pk=five.pk).update(status=Line.BANK_PASSED)
    four = case.occupations.get(level=4)
    ApplicationOccupation.objects.filter(pk=four.pk).update(status=Line.BANK_SUBMITTED)
    with time_machine.travel(at(LAST + timedelta(days=3)), tick=False):  # a sweep that ran late
        assert sweep_elimination() == "eliminated 0, lines 1"
        events = AuditEvent.objects.count()
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.state == "cultivating"
    assert _lines(case) == {5: Line.BANK_PASSED, 4: Line.ELIMINATED}
    assert not FilingLetter.objects.exists()
    assert not AuditEvent.objects.for_object(case).filter(action__in=["accept", "file_case"])
    assert list(candidates(case.round)) == [case]
    told = Message.objects.get(recipient=applicant_of(case), subject__contains="自然淘汰")
    assert "验收批次" in told.body and "领导小组" in told.body


def test_all_lines_passed_the_end_of_the_period_changes_nothing():
    case = cultivating()
    case.occupations.update(status=Line.BANK_PASSED)
    with time_machine.travel(at(LAST + timedelta(days=1), 0), tick=False):
        events = AuditEvent.objects.count()
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert AuditEvent.objects.count() == events
    assert Application.objects.get(pk=case.pk).state == "cultivating"


def test_the_end_transition_is_the_system_s_and_waits_for_the_period():
    case = cultivating()
    with pytest.raises(TransitionRefused, match="SPEC-1"):
        perform(case, "eliminate", CityStaffFactory())
    with (
        time_machine.travel(clock.deadline_end(LAST), tick=False),
        pytest.raises(TransitionRefused, match=r"N-4\.3"),
    ):
        perform(case, "eliminate", system_actor())
    case.occupations.filter(level=5).update(status=Line.BANK_PASSED)
    with time_machine.travel(at(LAST + timedelta(days=1)), tick=False):
        with pytest.raises(TransitionRefused, match="已有题库审核通过"):
            perform(case, "eliminate", system_actor())
        for action in ("accept_at_end", "accept"):  # the clock has no way to accept
            with pytest.raises(TransitionRefused):
                perform(case, action, system_actor())
    assert Application.objects.get(pk=case.pk).state == "cultivating"


def test_lines_left_in_a_case_filed_early_are_eliminated_at_the_end():
    """成熟一批，公布一批: a case filed mid-period for its passed line leaves its other line
    cultivating; once the period ends that line is eliminated too, whatever the case's state
    (N-4.2, N-4.3), by the system, with an audit event and a notice, once."""
    from tests.filing.conftest import issued

    case = cultivating()
    five, four = case.occupations.get(level=5), case.occupations.get(level=4)
    ApplicationOccupation.objects.filter(pk=five.pk).update(status=Line.BANK_PASSED)
    issued(case, when=at(START + timedelta(days=120)))  # through an approved batch
    assert _lines(case) == {5: Line.FILED, 4: Line.CULTIVATING}
    with time_machine.travel(clock.deadline_end(LAST), tick=False):
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert _lines(case) == {5: Line.FILED, 4: Line.CULTIVATING}
    with time_machine.travel(at(LAST + timedelta(days=1), 0), tick=False):
        assert sweep_elimination() == "eliminated 0, lines 1"
        events = AuditEvent.objects.count()
        assert sweep_elimination() == "eliminated 0, lines 0"
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.state == "filed"
    assert _lines(case) == {5: Line.FILED, 4: Line.ELIMINATED}
    _eliminated_by_the_system(case, four, ("四级", "中级"))


@pytest.mark.parametrize("state", ["accepted", "withdrawn"])
def test_unfinished_lines_of_a_case_out_of_cultivation_are_eliminated(state):
    case = cultivating()
    four = case.occupations.get(level=4)
    ApplicationOccupation.objects.filter(pk=four.pk).update(status=Line.BANK_SUBMITTED)
    Application.objects.filter(pk=case.pk).update(state=state)
    with time_machine.travel(at(LAST + timedelta(days=2)), tick=False):
        assert sweep_elimination() == "eliminated 0, lines 2"
    assert set(_lines(case).values()) == {Line.ELIMINATED}
    assert Application.objects.get(pk=case.pk).state == state


def test_day_one_of_180_reads_180_days_today_included():
    from datetime import date

    from evalorg.cultivation.countdown import Countdown

    first = date(2025, 3, 3)
    last = first + timedelta(days=179)
    assert Countdown(first, last, (last - first).days, "running").label == "剩余 180 天（含今天）"
