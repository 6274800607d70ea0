"""Problems found in a deliverable and the report that lists them.

Each problem has a ``kind``: a stable code per type of problem (``uncovered_point``,
``duplicate_stem``, ``bad_answer``, ``missing_sheet`` …) by which the report groups them. A
checker may use a code not listed in ``KINDS`` (its label is then the generic one); a problem
made without one is of kind ``other``. A report keeps at most ``keep_per_kind`` problems of each
kind (the first found) while counting every one, so a hostile bank cannot make it unbounded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
OTHER = "other"

# Kinds in the order a report shows them: what stops the whole check first.
KINDS: dict[str, Any] = {
    "unreadable_file": _lazy("文件无法读取"),
    "row_limit": _lazy("行数已达上限"),
    "cell_limit": _lazy("单元格字数已达上限"),
    "level_limit": _lazy("同一等级行数已达上限"),
    "missing_sheet": _lazy("缺少工作表"),
    "missing_header": _lazy("找不到表头"),
    "missing_specification": _lazy("缺少鉴定要素细目表"),
    "missing_skill_bank": _lazy("缺少操作技能试题"),
    "check_failed": _lazy("后台检查出错"),
    "bad_cell": _lazy("单元格内容不符合格式"),
    "bad_range_code": _lazy("鉴定范围代码有误"),
    "duplicate_range": _lazy("鉴定范围重复"),
    "undeclared_range": _lazy("鉴定范围未列出"),
    "bad_weight": _lazy("比重有误"),
    "bad_point_code": _lazy("鉴定点代码有误"),
    "duplicate_point": _lazy("鉴定点重复"),
    "missing_importance": _lazy("重要程度未填写"),
    "missing_point_name": _lazy("鉴定点名称未填写"),
    "too_few_points": _lazy("鉴定点数量不足"),
    "importance_share": _lazy("X/Y/Z 比例不符"),
    "unbound_item": _lazy("试题的鉴定点不存在"),
    "uncovered_point": _lazy("鉴定点试题不足"),
    "missing_stem": _lazy("题干未填写"),
    "bad_type": _lazy("题型有误"),
    "option_gap": _lazy("选项有空缺"),
    "bad_answer": _lazy("答案有误"),
    "duplicate_stem": _lazy("题干重复"),
    "similar_stem": _lazy("题干相似"),
    "similar_stem_limit": _lazy("近似重复检测已达上限"),
    "paper_pool": _lazy("组卷题量不足"),
    "paper_overlap": _lazy("A、B 卷重复题过多"),
    OTHER: _lazy("其他问题"),
}


def register_kind(kind: str, label: Any) -> None:
    """Give a checker's own kind of problem its label (a lazy translation), shown before
    ``other`` in reports; a kind registered twice keeps its first label."""
    if kind not in KINDS:
        KINDS.pop(OTHER)
        KINDS[kind] = label
        KINDS[OTHER] = _lazy("其他问题")


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, KINDS[OTHER]))


def kind_order(kind: str) -> int:
    order = list(KINDS)
    return order.index(kind) if kind in KINDS else order.index(OTHER)


@dataclass(frozen=True)
class Problem:
    """One finding; `row` is the worksheet row (1-based) or None for the whole sheet; `field`
    the column's header (its cell is then located in the workbook)."""

    severity: Severity
    sheet: str
    row: int | None
    field: str
    message: str
    kind: str = OTHER
    cell: str = ""  # the A1 reference of (row, field), once located in the workbook

    def as_text(self) -> str:
        label = _("错误") if self.severity == ERROR else _("提醒")
        where = self.sheet
        if self.row is not None:
            where += _(" 第 %(row)d 行") % {"row": self.row}
        if self.field:
            where += f"「{self.field}」"
        if self.cell:
            where += f"（{self.cell}）"
        return f"[{label}] {where}：{self.message}" if where else f"[{label}] {self.message}"


def error(sheet: str, row: int | None, field: str, message: str, kind: str = OTHER) -> Problem:
    return Problem(ERROR, sheet, row, field, message, kind)


def warning(sheet: str, row: int | None, field: str, message: str, kind: str = OTHER) -> Problem:
    return Problem(WARNING, sheet, row, field, message, kind)


DEFAULT_KEEP_PER_KIND = 200


@dataclass
class Report:
    """The outcome of one check: passed when there is no error (warnings do not block).

    ``problems`` holds at most ``keep_per_kind`` problems of each kind; ``counts`` counts every
    problem found by (kind, severity). ``summary`` holds the figures the check found (points,
    items, the papers drawn), JSON-serialisable."""

    problems: list[Problem] = field(default_factory=list)
    keep_per_kind: int = DEFAULT_KEEP_PER_KIND
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given, self.problems = self.problems, []
        self.extend(given)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            key = (problem.kind, problem.severity)
            kept = sum(self.counts[(problem.kind, s)] for s in (ERROR, WARNING))
            self.counts[key] += 1
            if kept < self.keep_per_kind:
                self.problems.append(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def count(self, severity: Severity) -> int:
        return sum(n for (_kind, s), n in self.counts.items() if s == severity)

    @property
    def passed(self) -> bool:
        return self.count(ERROR) == 0

    def has_kind(self, *kinds: str) -> bool:
        return any(self.counts[(k, s)] for k in kinds for s in (ERROR, WARNING))

    def as_text(self) -> str:
        if not self.counts:
            return _("检查通过，未发现问题。")
        head = _("共 %(errors)d 个错误、%(warnings)d 个提醒。") % {
            "errors": self.count(ERROR),
            "warnings": self.count(WARNING),
        }
        return "\n".join([head, *(p.as_text() for p in self.problems)])
