"""Seeds ``WorkCalendar`` from the ``chinese-calendar`` package (2004 to its last year)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from .models import WorkCalendar
from .reference import LoadResult

FIRST_YEAR = 2004


def _year_rows(year: int) -> list[WorkCalendar]:
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        rows.append(
            WorkCalendar(day=day, is_workday=not is_holiday, note=_note(name, is_holiday, day))
        )
        day += timedelta(days=1)
    return rows


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _note(name: str | None, is_holiday: bool, day: date) -> str:
    if name is None:
        return ""
    label = HOLIDAY_NAMES.get(name, name)
    if is_holiday:
        return label
    return f"{label}调休上班" if day.weekday() >= 5 else label


def supported_years() -> list[int]:
    years: list[int] = []
    year = FIRST_YEAR
    while True:
        try:
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            return years
        years.append(year)
        year += 1


def load_calendar(_data_dir: Path) -> LoadResult:
    existing = set(
        WorkCalendar.objects.filter(source="chinese-calendar").values_list("day", flat=True)
    )
    created = 0
    for year in supported_years():
        new_rows = [row for row in _year_rows(year) if row.day not in existing]
        # Rows an admin entered by hand (another source) are never overwritten.
        WorkCalendar.objects.bulk_create(new_rows, ignore_conflicts=True)
        created += len(new_rows)
    total = WorkCalendar.objects.count()
    return LoadResult("work_calendar", {"days": total}, created=created)


GENERATED = "generated"


def generate_weekdays(year: int) -> int:
    """The fallback when no notice is at hand: every missing day of ``year``, Monday to Friday
    working and weekends off (source ``generated``), for an admin to correct the holidays and
    调休 by hand. Existing rows are kept. Returns the number of days created."""
    rows = []
    day = date(year, 1, 1)
    while day.year == year:
        rows.append(WorkCalendar(day=day, is_workday=day.weekday() < 5, source=GENERATED))
        day += timedelta(days=1)
    existing = set(WorkCalendar.objects.filter(day__year=year).values_list("day", flat=True))
    missing = [row for row in rows if row.day not in existing]
    WorkCalendar.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
