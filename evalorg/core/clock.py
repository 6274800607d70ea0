"""The only source of "now" in EvalOrg, and the working-day calendar.

Deadlines are dates and are inclusive (含当天): a deadline ends at the last instant of that day
in Asia/Shanghai (SPEC §2). Periods counted in working days use the ``WorkCalendar`` table,
seeded from ``chinese-calendar`` and editable by admins for later years.
"""

from __future__ import annotations

import calendar as std_calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CalendarYearMissing(Exception):
    """A date falls in a year for which no working-day calendar has been entered."""

    def __init__(self, years: list[int]):
        self.years = sorted(set(years))
        super().__init__(
            "工作日历缺少年份：{}。请管理员在“工作日历”中录入当年的节假日和调休安排。".format(
                "、".join(str(y) for y in self.years)
            )
        )


def now() -> datetime:
    """The current instant as an aware datetime in Asia/Shanghai."""
    return timezone.now().astimezone(SHANGHAI)


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return now().date()


def deadline_end(day: date) -> datetime:
    """The last instant of ``day`` in Asia/Shanghai: 23:59:59.999999."""
    return datetime.combine(day, time.max, tzinfo=SHANGHAI)


def is_past(deadline: date, at: datetime | None = None) -> bool:
    """True once ``deadline`` (inclusive) has ended; ``at`` may be in any time zone."""
    moment = at if at is not None else now()
    if timezone.is_naive(moment):
        raise ValueError("is_past needs an aware datetime")
    return moment > deadline_end(deadline)


def days_in_year(year: int) -> int:
    return 366 if std_calendar.isleap(year) else 365


def covered_years() -> set[int]:
    """Years for which the calendar table holds every day."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from .models import WorkCalendar

    rows = (
        WorkCalendar.objects.annotate(year=ExtractYear("day"))
        .values("year")
        .annotate(n=Count("day"))
    )
    return {row["year"] for row in rows if row["n"] == days_in_year(row["year"])}


def missing_years(years: set[int] | list[int]) -> list[int]:
    return sorted(set(years) - covered_years())


def require_years(*days: date) -> None:
    gaps = missing_years({d.year for d in days})
    if gaps:
        raise CalendarYearMissing(gaps)


def is_working_day(day: date) -> bool:
    from .models import WorkCalendar

    require_years(day)
    return WorkCalendar.objects.get(day=day).is_workday


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted).

    ``add_working_days(d, 0)`` is ``d``. Raises ``CalendarYearMissing`` when the count runs
    into a year the calendar does not hold.
    """
    from .models import WorkCalendar

    if count < 0:
        raise ValueError("count must be >= 0")
    if count == 0:
        return start
    require_years(start)
    # Twice the count plus the longest PRC holiday block is always enough to find them.
    horizon = start + timedelta(days=count * 2 + 30)
    days = list(
        WorkCalendar.objects.filter(day__gt=start, day__lte=horizon, is_workday=True)
        .order_by("day")
        .values_list("day", flat=True)[:count]
    )
    if len(days) < count:
        covered = covered_years()
        gaps = [y for y in range(start.year, horizon.year + 1) if y not in covered]
        raise CalendarYearMissing(gaps or [horizon.year])
    require_years(days[-1])
    return days[-1]
