"""Checks of the skill-operation bank (操作技能试题) and its marking scheme (评分标准), N-4.2,
附件6: every task complete and tied to a specification point of the line's level, at least the
round's number of tasks, and each task's scoring items adding up to its points."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .layout import MARKING_SHEET, SKILL_SHEET
from .levels import of_level
from .parse import ScoringItem, SkillTask, SpecRow
from .report import Problem, Report, error, register_kind
from .requirements import BankRequirements
from .specification import Specification, index_specification

F_CODE, F_POINTS, F_POINT, F_MINUTES, F_ITEM = (
    "试题编号",
    "配分",
    "鉴定点代码",
    "考核时限(分钟)",
    "评分项",
)
# The kinds of problem of the two deliverables, as their reports group them.
KINDS = {
    "missing_task_field": _lazy("操作技能试题未填写完整"),
    "bad_task_minutes": _lazy("考核时限有误"),
    "bad_task_points": _lazy("试题配分有误"),
    "unbound_task": _lazy("试题的鉴定点不存在"),
    "duplicate_task": _lazy("试题编号重复"),
    "too_few_tasks": _lazy("操作技能试题数量不足"),
    "unknown_task": _lazy("评分项的试题不存在"),
    "missing_scoring_item": _lazy("评分项未填写"),
    "bad_item_points": _lazy("评分项配分有误"),
    "unscored_task": _lazy("试题没有评分项"),
    "marking_total": _lazy("评分项配分之和不符"),
}
for _kind, _label in KINDS.items():
    register_kind(_kind, _label)
REQUIRED_TEXT = (
    ("task_code", F_CODE),
    ("module", "模块"),
    ("title", "试题名称"),
    ("requirements", "操作要求"),
    ("equipment", "设备材料"),
)


def _number(value: float) -> str:
    return f"{value:g}"


def check_skill_bank(
    spec: Sequence[SpecRow], tasks: Sequence[SkillTask], req: BankRequirements, level: int
) -> Report:
    """The skill-operation bank of ``level`` against the specification table's same level."""
    report = Report()
    tasks, problems = of_level(tasks, level, SKILL_SHEET)
    report.extend(problems)
    index = index_specification([row for row in spec if row.level == level])
    report.extend(p for task in tasks for p in _task_problems(task, index))
    report.extend(_duplicate_codes(tasks))
    if tasks:
        report.extend(check_skill_tasks(tasks, req, level).problems)
    return report


def _task_problems(task: SkillTask, spec: Specification) -> Iterator[Problem]:
    for key, header in REQUIRED_TEXT:
        if not getattr(task, key):
            msg = _("%(field)s未填写（附件6）。") % {"field": header}
            yield error(task.sheet, task.row, header, msg, "missing_task_field")
    if not task.minutes:
        yield error(
            task.sheet, task.row, F_MINUTES, _("考核时限应为大于 0 的分钟数。"), "bad_task_minutes"
        )
    if not task.points:
        yield error(task.sheet, task.row, F_POINTS, _("配分应为大于 0 的数。"), "bad_task_points")
    if not task.point_code:
        yield error(task.sheet, task.row, F_POINT, _("鉴定点代码未填写（附件6）。"), "unbound_task")
    elif (task.level, task.point_code) not in spec.points:
        msg = _("鉴定点「%(code)s」在细目表%(level)d级中不存在（附件6）。") % {
            "code": task.point_code,
            "level": task.level,
        }
        yield error(task.sheet, task.row, F_POINT, msg, "unbound_task")


def _duplicate_codes(tasks: Sequence[SkillTask]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for task in tasks:
        if not task.task_code:
            continue
        seen = first.setdefault(task.task_code, task.row)
        if seen != task.row:
            msg = _("试题编号「%(code)s」与第 %(first)d 行重复。") % {
                "code": task.task_code,
                "first": seen,
            }
            yield error(task.sheet, task.row, F_CODE, msg, "duplicate_task")


def _complete(task: SkillTask) -> bool:
    texts = all(getattr(task, key) for key, _header in REQUIRED_TEXT)
    return texts and bool(task.minutes) and bool(task.points) and bool(task.point_code)


def check_skill_tasks(tasks: Sequence[SkillTask], req: BankRequirements, level: int) -> Report:
    """At least ``req.min_skill_tasks_per_level`` complete tasks of ``level`` (N-4.2); the
    refusal is on the level's first task row."""
    of_this = [task for task in tasks if task.level == level]
    codes = {task.task_code for task in of_this if _complete(task)}
    if len(codes) >= req.min_skill_tasks_per_level:
        return Report()
    msg = _("%(level)d级完整的操作技能试题只有 %(n)d 道，至少 %(min)d 道（N-4.2）。") % {
        "level": level,
        "n": len(codes),
        "min": req.min_skill_tasks_per_level,
    }
    row = min((task.row for task in of_this), default=None)
    return Report([error(SKILL_SHEET, row, F_CODE, msg, "too_few_tasks")])


def check_marking_scheme(
    tasks: Sequence[SkillTask], items: Sequence[ScoringItem], level: int
) -> Report:
    """Each task of ``level`` has scoring items whose points add up to the task's points."""
    report = Report()
    items, problems = of_level(items, level, MARKING_SHEET)
    report.extend(problems)
    by_code: dict[str, SkillTask] = {}
    for task in tasks:
        if task.level == level and task.task_code:
            by_code.setdefault(task.task_code, task)
    scored: dict[str, list[ScoringItem]] = defaultdict(list)
    for item in items:
        report.extend(_item_problems(item, by_code, level))
        if item.task_code in by_code:
            scored[item.task_code].append(item)
    if items:
        report.extend(_sum_problems(by_code, scored))
    return report


def _item_problems(item: ScoringItem, tasks: dict[str, SkillTask], level: int) -> Iterator[Problem]:
    if not item.task_code:
        yield error(item.sheet, item.row, F_CODE, _("试题编号未填写。"), "unknown_task")
    elif item.task_code not in tasks:
        msg = _("试题编号「%(code)s」在操作技能试题%(level)d级中不存在。") % {
            "code": item.task_code,
            "level": level,
        }
        yield error(item.sheet, item.row, F_CODE, msg, "unknown_task")
    if not item.item:
        yield error(item.sheet, item.row, F_ITEM, _("评分项未填写。"), "missing_scoring_item")
    if not item.points:
        msg = _("配分应为大于 0 的数。")
        yield error(item.sheet, item.row, F_POINTS, msg, "bad_item_points")


def _sum_problems(
    tasks: dict[str, SkillTask], scored: dict[str, list[ScoringItem]]
) -> Iterator[Problem]:
    for code, task in tasks.items():
        items = scored.get(code)
        args = {"code": code, "row": task.row}
        if not items:
            msg = _("试题「%(code)s」（操作技能试题第 %(row)d 行）没有评分项。") % args
            yield error(MARKING_SHEET, None, F_CODE, msg, "unscored_task")
            continue
        total = sum(item.points or 0 for item in items)
        if task.points is not None and abs(total - task.points) > 1e-6:
            args |= {"total": _number(total), "points": _number(task.points)}
            msg = (
                _(
                    "试题「%(code)s」各评分项配分之和为 %(total)s，应等于该题配分 %(points)s"
                    "（操作技能试题第 %(row)d 行，附件6）。"
                )
                % args
            )
            yield error(MARKING_SHEET, items[0].row, F_POINTS, msg, "marking_total")


def tasks_summary(tasks: Sequence[SkillTask]) -> dict[str, int]:
    """Tasks per level as the report's summary shows them ("4": 12), levels from 5 down; a
    task code listed twice counts once."""
    codes: dict[int, set[str]] = defaultdict(set)
    for task in tasks:
        codes[task.level].add(task.task_code or f"#{task.row}")
    return {str(level): len(codes[level]) for level in sorted(codes, reverse=True)}
