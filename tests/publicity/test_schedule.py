"""The end date counts working days on the calendar, start day included (N-4.1.3)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from evalorg.core.clock import CalendarYearMissing
from evalorg.publicity.models import PublicityNotice, publicity_end
from evalorg.publicity.services import render_body
from tests.publicity.conftest import BEFORE_START, END, START, approved, draft_notice

pytestmark = pytest.mark.django_db


def test_five_working_days_across_national_day_with_adjusted_weekend():
    assert publicity_end(START, 5) == END == date(2023, 10, 9)


def test_the_start_day_counts_when_it_is_a_working_day():
    assert publicity_end(date(2023, 10, 9), 1) == date(2023, 10, 9)
    assert publicity_end(date(2023, 9, 25), 5) == date(2023, 10, 7)  # Saturday, 调休 workday


def test_a_holiday_start_counts_from_the_next_working_day():
    assert publicity_end(date(2023, 10, 1), 5) == date(2023, 10, 11)


def test_the_body_is_rendered_and_stored(staff):
    notice = draft_notice([approved()], staff)
    assert "2023年09月27日至2023年10月09日（5个工作日）" in notice.body
    assert "{" not in notice.body


def test_unknown_placeholders_and_stray_braces_are_left_alone():
    assert render_body("{start} {nope} {", {"start": "甲"}) == "甲 {nope} {"


def test_a_missing_calendar_year_refuses_scheduling_with_a_link(client, staff):
    case = approved()
    with pytest.raises(CalendarYearMissing):
        draft_notice([case], staff, start=date(2099, 12, 28))
    client.force_login(staff)
    with time_machine.travel(BEFORE_START, tick=False):
        response = client.post(
            reverse("publicity:new") + f"?round={case.round_id}",
            {
                "cases": [case.pk],
                "title": "公示",
                "starts_on": "2099-12-28",
                "objections_to": "省中心",
                "template": "{start}",
            },
            follow=True,
        )
    page = response.content.decode()
    assert "工作日历缺少年份：2099" in page
    assert reverse("admin:core_workcalendar_changelist") in page
    assert not PublicityNotice.objects.exists()
