"""Time: inclusive deadlines in Asia/Shanghai and the working-day calendar (SPEC §2)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks

from evalorg.core import clock
from evalorg.core.models import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
DEADLINE = date(2023, 5, 19)  # N-4.1.1 application deadline


def test_last_second_of_deadline_day_is_not_past():
    assert not clock.is_past(DEADLINE, datetime(2023, 5, 19, 23, 59, 59, tzinfo=SH))


def test_midnight_after_deadline_day_is_past():
    assert clock.is_past(DEADLINE, datetime(2023, 5, 20, 0, 0, 0, tzinfo=SH))


def test_same_instants_given_in_utc_behave_the_same():
    # 23:59:59 Shanghai = 15:59:59 UTC; 00:00:00 next day Shanghai = 16:00:00 UTC.
    assert not clock.is_past(DEADLINE, datetime(2023, 5, 19, 15, 59, 59, tzinfo=UTC))
    assert clock.is_past(DEADLINE, datetime(2023, 5, 19, 16, 0, 0, tzinfo=UTC))


def test_deadline_end_is_last_microsecond_in_shanghai():
    end = clock.deadline_end(DEADLINE)
    assert end == datetime(2023, 5, 19, 23, 59, 59, 999999, tzinfo=SH)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        clock.is_past(DEADLINE, datetime(2023, 5, 19, 12, 0))


def test_now_and_today_follow_the_moved_clock_in_shanghai():
    with time_machine.travel(datetime(2023, 5, 19, 16, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2023, 5, 20)  # already the 20th in Guangdong
        assert clock.is_past(DEADLINE)
    with time_machine.travel(datetime(2023, 5, 19, 15, 59, 59, tzinfo=UTC), tick=False):
        assert not clock.is_past(DEADLINE)


@pytest.mark.django_db
def test_working_days_skip_labour_day_and_count_adjusted_saturday():
    # 2023: 4-29..5-3 holiday, Saturday 5-6 a working day (调休).
    assert clock.add_working_days(date(2023, 4, 28), 5) == date(2023, 5, 9)
    assert clock.is_working_day(date(2023, 5, 6))
    assert not clock.is_working_day(date(2023, 5, 1))


@pytest.mark.django_db
def test_zero_working_days_is_the_start_date():
    assert clock.add_working_days(date(2023, 5, 1), 0) == date(2023, 5, 1)


@pytest.mark.django_db
def test_year_without_calendar_raises_a_clear_error():
    with pytest.raises(clock.CalendarYearMissing) as excinfo:
        clock.add_working_days(date(2026, 12, 28), 10)  # runs into 2027
    assert excinfo.value.years == [2027]
    assert "2027" in str(excinfo.value) and "工作日历" in str(excinfo.value)


@pytest.mark.django_db
def test_incomplete_year_counts_as_missing():
    WorkCalendar.objects.filter(day=date(2025, 7, 1)).delete()
    assert 2025 in clock.missing_years([2025])
    with pytest.raises(clock.CalendarYearMissing):
        clock.is_working_day(date(2025, 7, 2))


@pytest.mark.django_db
def test_admin_entered_year_is_used():
    for day in range(1, 32):
        WorkCalendar.objects.create(day=date(2027, 1, day), is_workday=True, source="admin")
    assert 2027 not in clock.covered_years()  # a month is not a year


@pytest.mark.django_db
def test_check_warns_when_current_year_missing():
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=SH), tick=False):
        messages = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    ids = [m.id for m in messages]
    assert "evalorg.W001" in ids
