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
            hint="在管理后台“工作日历”中录入该年份的节假日与调休安排。",
            id="evalorg.W001",
        )
    ]
