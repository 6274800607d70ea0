"""Check of the paper-assembly plan (组卷方案), N-4.2, 附件6: the theory paper of the line's
level within the round's type ranges, with its duration and pass mark, and the skill paper's
draw per module from modules of the skill-operation bank that have enough tasks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .layout import SKILL_PLAN_SHEET, THEORY_PLAN_SHEET
from .levels import of_level
from .parse import SkillDraw, SkillTask, TheoryPaperPlan
from .report import Problem, Report, error, register_kind
from .requirements import JUDGE, MULTI, SINGLE, BankRequirements, PaperPlan

TYPE_FIELDS = (
    ("judge", JUDGE, "判断题数"),
    ("single", SINGLE, "单选题数"),
    ("multi", MULTI, "多选题数"),
)
F_ITEMS, F_MODULE, F_COUNT = "试卷题量", "模块", "抽取题数"
# The kinds of problem of the plan, as its report groups them.
KINDS = {
    "duplicate_paper": _lazy("理论知识试卷重复填写"),
    "type_count": _lazy("题型题数超出范围"),
    "paper_items": _lazy("试卷题量有误"),
    "paper_setting": _lazy("考试时长、满分或及格分有误"),
    "draw_module": _lazy("抽取模块有误"),
    "draw_count": _lazy("抽取题数有误"),
}
for _kind, _label in KINDS.items():
    register_kind(_kind, _label)


def check_paper_plan(
    papers: Sequence[TheoryPaperPlan],
    draws: Sequence[SkillDraw],
    tasks: Sequence[SkillTask] | None,
    req: BankRequirements,
    level: int,
) -> Report:
    """The plan of ``level``; the draws are checked against ``tasks`` unless it is None (no
    skill-operation bank uploaded yet)."""
    report = Report()
    papers, problems = of_level(papers, level, THEORY_PLAN_SHEET)
    report.extend(problems)
    plan = req.plan_for(level)
    for k, paper in enumerate(papers):
        if k:
            msg = _("%(level)d级理论知识试卷已在第 %(first)d 行填写，只填一行。") % {
                "level": level,
                "first": papers[0].row,
            }
            report.extend([error(paper.sheet, paper.row, F_ITEMS, msg, "duplicate_paper")])
        else:
            report.extend(_paper_problems(paper, plan))
    draws, problems = of_level(draws, level, SKILL_PLAN_SHEET)
    report.extend(problems)
    if tasks is not None:
        report.extend(_draw_problems(draws, [t for t in tasks if t.level == level], level))
    return report


def _paper_problems(paper: TheoryPaperPlan, plan: PaperPlan) -> Iterator[Problem]:
    ranges = plan.type_ranges()
    total = 0
    for key, item_type, header in TYPE_FIELDS:
        count = getattr(paper, key) or 0
        total += count
        lo, hi = ranges[item_type]
        if not lo <= count <= hi:
            msg = _("%(type)s题 %(n)d 道，本批次要求 %(lo)d–%(hi)d 道（附件6）。") % {
                "type": item_type,
                "n": count,
                "lo": lo,
                "hi": hi,
            }
            yield error(paper.sheet, paper.row, header, msg, "type_count")
    yield from _total_problems(paper, plan, total)


def _total_problems(paper: TheoryPaperPlan, plan: PaperPlan, total: int) -> Iterator[Problem]:
    if paper.items != plan.items:
        msg = _("试卷题量为 %(n)s，本批次要求 %(want)d 道（附件6）。")
        args = {"n": paper.items if paper.items is not None else "（空）", "want": plan.items}
        yield error(paper.sheet, paper.row, F_ITEMS, msg % args, "paper_items")
    elif total != plan.items:
        msg = _("各题型题数之和为 %(n)d，应等于试卷题量 %(want)d。") % {
            "n": total,
            "want": plan.items,
        }
        yield error(paper.sheet, paper.row, F_ITEMS, msg, "paper_items")
    wanted = (
        (
            "minutes",
            "考试时长(分钟)",
            plan.minutes,
            _("考试时长应为 %(want)s 分钟（本批次要求）。"),
        ),
        ("total_score", "满分", plan.total_score, _("满分应为 %(want)s 分（本批次要求）。")),
        ("pass_score", "及格分", plan.pass_score, _("及格分应为 %(want)s 分（本批次要求）。")),
    )
    for key, header, want, message in wanted:
        value = getattr(paper, key)
        if value is None or abs(value - want) > 1e-6:
            msg = message % {"want": want}
            yield error(paper.sheet, paper.row, header, msg, "paper_setting")


def _draw_problems(
    draws: Sequence[SkillDraw], tasks: Sequence[SkillTask], level: int
) -> Iterator[Problem]:
    available = Counter(task.module for task in tasks if task.module)
    first: dict[str, int] = {}
    for draw in draws:
        args = {"module": draw.module, "level": level, "n": draw.count or 0}
        if not draw.module:
            yield error(draw.sheet, draw.row, F_MODULE, _("模块未填写。"), "draw_module")
        elif first.setdefault(draw.module, draw.row) != draw.row:
            args["first"] = first[draw.module]
            msg = _("模块「%(module)s」已在第 %(first)d 行填写。") % args
            yield error(draw.sheet, draw.row, F_MODULE, msg, "draw_module")
        elif draw.module not in available:
            msg = _("模块「%(module)s」在操作技能试题%(level)d级中不存在（附件6）。") % args
            yield error(draw.sheet, draw.row, F_MODULE, msg, "draw_module")
        elif draw.count and draw.count > available[draw.module]:
            args["have"] = available[draw.module]
            msg = _("模块「%(module)s」只有 %(have)d 道操作技能试题，不够抽取 %(n)d 道（附件6）。")
            yield error(draw.sheet, draw.row, F_COUNT, msg % args, "draw_count")
        if not draw.count:
            msg = _("抽取题数应为大于 0 的整数。")
            yield error(draw.sheet, draw.row, F_COUNT, msg, "draw_count")
