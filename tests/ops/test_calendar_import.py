"""The calendar from the State Council's notice (issue 23 item 2): import_holidays equals the
packaged data (chinese-calendar) day by day for 2023-2026; the admin's fallback; the reminder
from 1 November; the deploy check."""

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError

from evalorg.accounts.models import Agency, Role
from evalorg.core import clock
from evalorg.core.calendar_data import generate_weekdays
from evalorg.core.holiday_notice import NoticeError, parse_notice
from evalorg.core.models import AuditEvent, WorkCalendar
from evalorg.notify.calendar_reminder import sweep_calendar_reminder
from evalorg.notify.models import Message
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
NOTICES = Path(__file__).parent.parent / "fixtures" / "holiday_notices"
YEARS = [2023, 2024, 2025, 2026]


def _notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", YEARS)
def test_notice_equals_the_packaged_calendar_day_by_day(year: int) -> None:
    calendar = parse_notice(_notice(year))
    assert calendar.year == year
    days = calendar.days()
    assert len(days) == clock.days_in_year(year)
    differing = [
        day for day, is_workday, _ in days if is_workday != chinese_calendar.is_workday(day)
    ]
    assert differing == []


def test_adjusted_working_days_are_named() -> None:
    calendar = parse_notice(_notice(2026))
    assert calendar.status(date(2026, 1, 4)) == (True, "元旦调休上班")
    assert calendar.status(date(2026, 2, 23)) == (False, "春节")
    assert calendar.status(date(2026, 3, 2)) == (True, "")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ("1月1日（周四）至3日（周五）放假调休，共3天。", "不是周五"),
        ("1月1日（周四）至3日（周六）放假调休，共4天。", "共 3 天"),
        ("1月1日（周四）至3日（周六）放假调休，共3天。1月5日（周一）上班。", "不是周末"),
    ],
)
def test_a_notice_that_does_not_add_up_is_refused(wrong: str, message: str) -> None:
    text = f"关于2026年部分节假日安排的通知\n一、元旦：{wrong}\n"
    with pytest.raises(NoticeError, match=message):
        parse_notice(text)


@pytest.mark.django_db
def test_import_writes_the_year_only_with_yes(tmp_path: Path) -> None:
    WorkCalendar.objects.filter(day__year=2026).delete()
    notice = tmp_path / "notice.txt"
    notice.write_text(_notice(2026), encoding="utf-8")
    out = io.StringIO()
    call_command("import_holidays", str(notice), stdout=out)
    assert "春节放假：2026-02-15 至 2026-02-23，共 9 天" in out.getvalue()
    assert "未写入" in out.getvalue()
    assert clock.missing_years({2026}) == [2026]

    call_command("import_holidays", str(notice), "--yes", stdout=out)
    assert clock.missing_years({2026}) == []
    assert not clock.is_working_day(date(2026, 10, 7))
    assert clock.is_working_day(date(2026, 10, 10))
    assert AuditEvent.objects.filter(action="calendar_year_imported").count() == 1


@pytest.mark.django_db
def test_import_of_a_bad_notice_writes_nothing(tmp_path: Path) -> None:
    before = WorkCalendar.objects.count()
    notice = tmp_path / "notice.txt"
    notice.write_text("关于2027年部分节假日安排的通知\n一、元旦：1月1日（周四）放假。\n", "utf-8")
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_holidays", str(notice), "--yes", stdout=io.StringIO())
    assert WorkCalendar.objects.count() == before


@pytest.mark.django_db
def test_admin_action_generates_the_following_year(admin_client) -> None:
    last_day = WorkCalendar.objects.get(day=date(2026, 12, 31))
    response = admin_client.post(
        "/admin/core/workcalendar/",
        {"action": "generate_following_year", "_selected_action": [str(last_day.pk)]},
    )
    assert response.status_code == 302
    assert clock.missing_years({2027}) == []
    assert WorkCalendar.objects.get(day=date(2027, 1, 1)).is_workday  # a Friday, to be edited
    assert not WorkCalendar.objects.get(day=date(2027, 1, 2)).is_workday
    assert generate_weekdays(2027) == 0  # existing rows are kept
    assert AuditEvent.objects.filter(action="calendar_year_generated").exists()


def _department_user():
    return UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))


@pytest.mark.django_db
def test_reminder_starts_on_1_november_and_repeats_weekly() -> None:
    department = _department_user()
    with time_machine.travel(datetime(2026, 10, 31, 23, 0, tzinfo=SH), tick=False):
        assert "not yet due" in sweep_calendar_reminder()
    with time_machine.travel(datetime(2026, 11, 1, 8, 0, tzinfo=SH), tick=False):
        assert "reminded" in sweep_calendar_reminder()
        assert "within the last 7 days" in sweep_calendar_reminder()
    assert Message.objects.filter(recipient=department, subject__contains="2027").count() == 1
    with time_machine.travel(datetime(2026, 11, 8, 8, 1, tzinfo=SH), tick=False):
        assert "reminded 1" in sweep_calendar_reminder()
    generate_weekdays(2027)
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=SH), tick=False):
        assert "present" in sweep_calendar_reminder()
    assert Message.objects.filter(recipient=department).count() == 2


@pytest.mark.django_db
def test_deploy_check_warns_from_november() -> None:
    def ids(moment: datetime) -> list[str]:
        with time_machine.travel(moment, tick=False):
            found = checks.run_checks(include_deployment_checks=True, databases=["default"])
        return [message.id for message in found]

    assert "evalorg.W002" not in ids(datetime(2026, 10, 31, 12, tzinfo=SH))
    assert "evalorg.W002" in ids(datetime(2026, 11, 1, 0, 1, tzinfo=SH))
    generate_weekdays(2027)
    assert "evalorg.W002" not in ids(datetime(2026, 11, 1, 0, 1, tzinfo=SH))
