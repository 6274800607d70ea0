"""Problems found in a deliverable and the report that lists them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding; `row` is the worksheet row (1-based) or None for the whole sheet."""

    severity: Severity
    sheet: str
    row: int | None
    field: str
    message: str

    def as_text(self) -> str:
        label = _("错误") if self.severity == ERROR else _("提醒")
        where = self.sheet
        if self.row is not None:
            where += _(" 第 %(row)d 行") % {"row": self.row}
        if self.field:
            where += f"「{self.field}」"
        return f"[{label}] {where}：{self.message}"


def error(sheet: str, row: int | None, field: str, message: str) -> Problem:
    return Problem(ERROR, sheet, row, field, message)


def warning(sheet: str, row: int | None, field: str, message: str) -> Problem:
    return Problem(WARNING, sheet, row, field, message)


@dataclass
class Report:
    """The outcome of one check: passed when there is no error (warnings do not block)."""

    problems: list[Problem] = field(default_factory=list)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors

    def as_text(self) -> str:
        if not self.problems:
            return _("检查通过，未发现问题。")
        head = _("共 %(errors)d 个错误、%(warnings)d 个提醒。") % {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }
        return "\n".join([head, *(p.as_text() for p in self.problems)])
