from typing import Any

from django.core import checks
from django.db import DatabaseError

from . import clock


@checks.register(checks.Tags.database, deploy=False)
def calendar_covers_this_year(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when the working-day calendar lacks the current year (later: open rounds' years)."""
    from .checks_registry import years_needed

    try:
        years = {clock.today().year} | years_needed()
        gaps = clock.missing_years(years)
    except DatabaseError:
        return []  # not migrated yet: nothing to check
    if not gaps:
        return []
    return [
        checks.Warning(
            "工作日历缺少年份 {}：以工作日计算的期限（如公示期）无法计算。".format(
                "、".join(map(str, gaps))
            ),
            hint=IMPORT_HINT,
            id="evalorg.W001",
        )
    ]


IMPORT_HINT = (
    "把国务院办公厅《关于该年部分节假日安排的通知》正文存为文本文件，运行 "
    "manage.py import_holidays 通知.txt，核对后加 --yes 写入；没有通知时在管理后台"
    "“工作日历”用“生成所选日期次年的日历”后逐日修改（docs/operations.md“Calendar years”）。"
)
REMIND_FROM_MONTH = 11  # the State Council publishes next year's notice in November


def next_year_due() -> int | None:
    """From 1 November: next year, when its calendar is missing (else None)."""
    today = clock.today()
    if today.month < REMIND_FROM_MONTH:
        return None
    return today.year + 1 if clock.missing_years({today.year + 1}) else None


@checks.register(checks.Tags.database, deploy=True)
def calendar_covers_next_year(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """From November, warn at deploy that next year's calendar is due (issue 23 item 2)."""
    try:
        year = next_year_due()
    except DatabaseError:
        return []
    if year is None:
        return []
    return [
        checks.Warning(
            f"工作日历尚无 {year} 年：国务院已在 11 月前后公布节假日安排，请在年底前录入。",
            hint=IMPORT_HINT,
            id="evalorg.W002",
        )
    ]
