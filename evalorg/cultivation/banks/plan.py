"""Check of the paper-assembly plan (组卷方案), N-4.2, 附件6: the theory paper of the line's
level within the round's type ranges, with its duration and pass mark, and the skill paper's
draw per module from modules of the skill-operation bank that have enough tasks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _

from .layout import SKILL_PLAN_SHEET, THEORY_PLAN_SHEET
from .levels import of_level
from .parse import SkillDraw, SkillTask, TheoryPaperPlan
from .report import Problem, Report, error
from .requirements import JUDGE, MULTI, SINGLE, BankRequirements, PaperPlan

TYPE_FIELDS = (
    ("judge", JUDGE, "判断题数"),
    ("single", SINGLE, "单选题数"),
    ("multi", MULTI, "多选题数"),
)
F_ITEMS, F_MODULE, F_COUNT = "试卷题量", "模块", "抽取题数"


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
            report.extend([error(paper.sheet, paper.row, F_ITEMS, msg)])
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
            yield error(paper.sheet, paper.row, header, msg)
    yield from _total_problems(paper, plan, total)


def _total_problems(paper: TheoryPaperPlan, plan: PaperPlan, total: int) -> Iterator[Problem]:
    if paper.items != plan.items:
        msg = _("试卷题量为 %(n)s，本批次要求 %(want)d 道（附件6）。")
        args = {"n": paper.items if paper.items is not None else "（空）", "want": plan.items}
        yield error(paper.sheet, paper.row, F_ITEMS, msg % args)
    elif total != plan.items:
        msg = _("各题型题数之和为 %(n)d，应等于试卷题量 %(want)d。") % {
            "n": total,
            "want": plan.items,
        }
        yield error(paper.sheet, paper.row, F_ITEMS, msg)
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
            yield error(paper.sheet, paper.row, header, message % {"want": want})


def _draw_problems(
    draws: Sequence[SkillDraw], tasks: Sequence[SkillTask], level: int
) -> Iterator[Problem]:
    available = Counter(task.module for task in tasks if task.module)
    first: dict[str, int] = {}
    for draw in draws:
        args = {"module": draw.module, "level": level, "n": draw.count or 0}
        if not draw.module:
            yield error(draw.sheet, draw.row, F_MODULE, _("模块未填写。"))
        elif first.setdefault(draw.module, draw.row) != draw.row:
            args["first"] = first[draw.module]
            msg = _("模块「%(module)s」已在第 %(first)d 行填写。") % args
            yield error(draw.sheet, draw.row, F_MODULE, msg)
        elif draw.module not in available:
            msg = _("模块「%(module)s」在操作技能试题%(level)d级中不存在（附件6）。") % args
            yield error(draw.sheet, draw.row, F_MODULE, msg)
        elif draw.count and draw.count > available[draw.module]:
            args["have"] = available[draw.module]
            msg = _("模块「%(module)s」只有 %(have)d 道操作技能试题，不够抽取 %(n)d 道（附件6）。")
            yield error(draw.sheet, draw.row, F_COUNT, msg % args)
        if not draw.count:
            yield error(draw.sheet, draw.row, F_COUNT, _("抽取题数应为大于 0 的整数。"))
