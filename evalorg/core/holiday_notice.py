"""The working-day calendar of one year from the State Council's notice (issue 23 item 2).

Every November the General Office of the State Council publishes 《关于XXXX年部分节假日安排的
通知》, one numbered item per holiday:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。

``parse_notice`` reads those items into a ``YearCalendar``: every day of the year, Monday to
Friday working and weekends off, except the days the notice gives off (放假) and the weekend
days it makes working days (上班, 调休). Each sentence is checked against itself: the weekday
in brackets must be the date's, and "共N天" / "放假N天" must count the days of the range; a
notice that does not read cleanly raises ``NoticeError`` naming the sentence, and nothing is
written (``manage.py import_holidays`` shows the result for a person to confirm first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from .models import WorkCalendar

SOURCE = "国务院办公厅通知"
CN_NUMERALS = "一二三四五六七八九十"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
ITEM = re.compile(rf"(?m)^\s*[{CN_NUMERALS}]+、\s*(?P<name>[^：:\n]+)[：:](?P<text>.+)$")
DATE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月)?(?P<day>\d{1,2})日(?:（(?P<note>[^）]*)）)?"
)
WEEKDAY_NOTE = re.compile(r"(?:周|星期)(?P<day>[一二三四五六日天])")
COUNT = re.compile(r"(?:共|放假)(?P<count>\d+)天")
TITLE_YEAR = re.compile(r"关于(?P<year>\d{4})年")


class NoticeError(ValueError):
    """The notice does not read as expected; the message names the sentence."""


@dataclass
class YearCalendar:
    year: int
    off: dict[date, str] = field(default_factory=dict)  # holiday days → holiday name
    working: dict[date, str] = field(default_factory=dict)  # weekend days made working

    def days(self) -> list[tuple[date, bool, str]]:
        """(day, is_workday, note) for every day of the year."""
        rows = []
        day = date(self.year, 1, 1)
        while day.year == self.year:
            rows.append((day, *self.status(day)))
            day += timedelta(days=1)
        return rows

    def status(self, day: date) -> tuple[bool, str]:
        if day in self.off:
            return False, self.off[day]
        if day in self.working:
            return True, f"{self.working[day]}调休上班"
        return day.weekday() < 5, ""


def notice_year(text: str) -> int | None:
    match = TITLE_YEAR.search(text)
    return int(match["year"]) if match else None


def parse_notice(text: str, year: int | None = None) -> YearCalendar:
    year = year or notice_year(text)
    if year is None:
        raise NoticeError("通知中没有“关于XXXX年部分节假日安排”的年份，请用 --year 指定。")
    calendar = YearCalendar(year)
    items = list(ITEM.finditer(text))
    if not items:
        raise NoticeError("通知中没有“一、元旦：……”这样的节假日条目。")
    for item in items:
        name = item["name"].strip()
        for sentence in filter(None, (part.strip() for part in item["text"].split("。"))):
            _read_sentence(calendar, name, sentence)
    return calendar


def _read_sentence(calendar: YearCalendar, name: str, sentence: str) -> None:
    if "放假" in sentence:
        days = _holiday_days(sentence, calendar.year)
        _check_count(sentence, days)
        calendar.off.update({day: name for day in days if day.year == calendar.year})
    elif "上班" in sentence:
        for day in _dates(sentence, calendar.year):
            if day.weekday() < 5:
                raise NoticeError(f"“{sentence}”：{day} 不是周末，无需调休上班。")
            calendar.working[day] = name


def _dates(sentence: str, year: int) -> list[date]:
    """Every date of a sentence; a date without year or month takes the previous one's."""
    found: list[date] = []
    month = None
    for match in DATE.finditer(sentence):
        year = int(match["year"]) if match["year"] else year
        month = int(match["month"]) if match["month"] else month
        if month is None:
            raise NoticeError(f"“{sentence}”：日期缺少月份。")
        try:
            day = date(year, month, int(match["day"]))
        except ValueError as error:
            raise NoticeError(f"“{sentence}”：日期无效（{error}）。") from error
        _check_weekday(sentence, day, match["note"] or "")
        found.append(day)
    return found


def _check_weekday(sentence: str, day: date, note: str) -> None:
    stated = WEEKDAY_NOTE.search(note)
    if stated and WEEKDAYS[stated["day"]] != day.weekday():
        raise NoticeError(f"“{sentence}”：{day} 不是{stated.group(0)}。")


def _holiday_days(sentence: str, year: int) -> list[date]:
    dates = _dates(sentence.split("放假")[0], year)
    if not dates:
        raise NoticeError(f"“{sentence}”：没有找到放假日期。")
    if "至" in sentence and len(dates) == 2:
        first, last = dates
        if last < first:
            raise NoticeError(f"“{sentence}”：结束日期早于开始日期。")
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return dates


def _check_count(sentence: str, days: list[date]) -> None:
    stated = COUNT.search(sentence)
    if stated and int(stated["count"]) != len(days):
        raise NoticeError(f"“{sentence}”：共 {len(days)} 天，与通知所写 {stated['count']} 天不符。")


def summary_lines(calendar: YearCalendar) -> list[str]:
    """What a person checks before writing: the holidays, the working weekends, the totals."""
    lines = [f"{calendar.year} 年工作日历（来源：{SOURCE}）"]
    for name in dict.fromkeys(calendar.off.values()):
        days = sorted(day for day, label in calendar.off.items() if label == name)
        lines.append(f"  {name}放假：{_span(days)}，共 {len(days)} 天")
    for day, name in sorted(calendar.working.items()):
        lines.append(f"  {name}调休上班：{day}（{'一二三四五六日'[day.weekday()]}）")
    working = sum(1 for _day, is_workday, _note in calendar.days() if is_workday)
    lines.append(f"  全年工作日 {working} 天，休息日 {len(calendar.days()) - working} 天")
    return lines


def _span(days: list[date]) -> str:
    if len(days) == 1:
        return str(days[0])
    return f"{days[0]} 至 {days[-1]}"


@transaction.atomic
def write_year(calendar: YearCalendar) -> tuple[int, int]:
    """Write every day of the year (replacing what the table held for it): (created, changed)."""
    existing = {row.day: row for row in WorkCalendar.objects.filter(day__year=calendar.year)}
    created = changed = 0
    for day, is_workday, note in calendar.days():
        row = existing.get(day)
        if row is None:
            WorkCalendar.objects.create(day=day, is_workday=is_workday, note=note, source=SOURCE)
            created += 1
        elif (row.is_workday, row.note, row.source) != (is_workday, note, SOURCE):
            changed += row.is_workday != is_workday
            row.is_workday, row.note, row.source = is_workday, note, SOURCE
            row.save(update_fields=["is_workday", "note", "source"])
    return created, changed
