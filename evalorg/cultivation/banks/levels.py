"""Each deliverable is of one occupation line, so of one level (N-4.2): the rows of that level
are checked, a row of another level is an error on its row and a sheet without a row of the
level is an error on the sheet (an untouched template must not pass)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .report import Problem, error, register_kind


class LevelRow(Protocol):
    @property
    def sheet(self) -> str: ...
    @property
    def row(self) -> int: ...
    @property
    def level(self) -> int: ...


R = TypeVar("R", bound=LevelRow)
F_LEVEL = "等级"
NO_LEVEL_ROWS, OTHER_LEVEL = "no_level_rows", "other_level"
register_kind(NO_LEVEL_ROWS, _lazy("没有本等级的数据"))
register_kind(OTHER_LEVEL, _lazy("等级与申报等级不符"))


def of_level(rows: Sequence[R], level: int, sheet: str) -> tuple[list[R], list[Problem]]:
    """The rows of ``level`` and a problem for each other row, or for the sheet when none is."""
    kept = [row for row in rows if row.level == level]
    problems = [_other_level(row, level) for row in rows if row.level != level]
    if not kept:
        msg = _(
            "工作表中没有%(level)d级的数据行，请按模板填写本职业（工种）%(level)d级的内容（N-4.2）。"
        ) % {"level": level}
        problems.append(error(sheet, None, F_LEVEL, msg, NO_LEVEL_ROWS))
    return kept, problems


def _other_level(row: LevelRow, level: int) -> Problem:
    msg = _(
        "等级填写为 %(found)d 级，本职业（工种）申报的是 %(level)d 级，只能填写本等级（N-4.2）。"
    ) % {"found": row.level, "level": level}
    return error(row.sheet, row.row, F_LEVEL, msg, OTHER_LEVEL)
