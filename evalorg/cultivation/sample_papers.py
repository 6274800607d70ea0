"""The assembled A and B sample papers of a line, with the answer key, as DOCX and PDF
(issue 20 item 2, 附件6) for the bank's reviewers.

The theory papers are drawn exactly as the check draws them (``checks.assemble_papers`` with
the check's seed, from the line's current specification table and theory bank), at the line's
level. The skill paper (``skill_paper``) holds the tasks ``skill_tasks_for`` draws from the
line's current skill-operation bank as its paper-assembly plan says (per module, with the
check's seed), each with its scoring items from the current marking scheme (the marking
sheet); without a skill bank or a complete task of the level the document says so.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from docx import Document
from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.shared import Pt

from evalorg.applications.models import ApplicationOccupation
from evalorg.core import clock
from evalorg.documents.pdf import render_pdf

from . import deliverables
from .bank_checks import read
from .banks import parse
from .banks.checks import Paper, assemble_papers
from .banks.layout import OPTION_LETTERS
from .banks.parse import TheoryItem, read_specification, read_theory_bank
from .banks.requirements import ITEM_TYPES, JUDGE, BankRequirements
from .models import Deliverable

CHECK_SEED = 0  # the seed ``check_theory_bank`` draws with: the reviewers see the checked papers
FONT = "宋体"
NUMERALS = "一二三四五六七八九十"
NO_SKILL_BANK = _lazy(
    "本职业（工种）本等级的操作技能试题尚未上传或没有填写完整的试题，"
    "系统无法组出操作技能试卷及评分记录表，请查阅上传的“操作技能试题”“评分标准”文件。"
)


@dataclass(frozen=True)
class ScoringItem:
    """One line of a task's marking sheet (评分记录表)."""

    title: str
    points: float
    criteria: str = ""


@dataclass(frozen=True)
class SkillTask:
    """One skill-operation task as the skill paper shows it."""

    module: str
    title: str
    requirements: str
    minutes: int
    points: float
    scoring: tuple[ScoringItem, ...] = ()


@dataclass(frozen=True)
class SkillPaper:
    tasks: tuple[SkillTask, ...]

    @property
    def minutes(self) -> int:
        return sum(t.minutes for t in self.tasks)

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tasks)


def skill_paper(tasks: Sequence[SkillTask]) -> SkillPaper | None:
    """The skill paper of ``tasks`` in module order (stable), None without tasks."""
    if not tasks:
        return None
    return SkillPaper(tuple(sorted(tasks, key=lambda t: t.module)))


def skill_tasks_for(line: ApplicationOccupation) -> list[SkillTask]:
    """The skill paper's tasks of the line's level: drawn from its current skill-operation bank
    as the current plan says (``抽取题数`` per module; one task a module without a plan for the
    level), each with its scoring items from the current marking scheme. Incomplete tasks (no
    module, title, time or points) are not drawn; without a skill bank there are none."""
    present = deliverables.current(line)
    skill_row = present.get(Deliverable.Kind.SKILL)
    if skill_row is None:
        return []
    tasks, _problems = parse.read_skill_bank(read(skill_row))
    tasks = [t for t in tasks if t.level == line.level and _drawable(t)]
    scoring = _scoring_of(present.get(Deliverable.Kind.MARKING), line.level)
    drawn = _draw(tasks, _draws_of(present.get(Deliverable.Kind.PAPER_PLAN), line.level))
    return [_paper_task(task, scoring.get(task.task_code, ())) for task in drawn]


def _drawable(task: parse.SkillTask) -> bool:
    return bool(task.module and task.title and task.minutes and task.points)


def _scoring_of(row: Deliverable | None, level: int) -> dict[str, tuple[ScoringItem, ...]]:
    if row is None:
        return {}
    items, _problems = parse.read_marking_scheme(read(row))
    found: dict[str, list[ScoringItem]] = defaultdict(list)
    for item in items:
        if item.level == level and item.item:
            found[item.task_code].append(ScoringItem(item.item, item.points or 0, item.criteria))
    return {code: tuple(scoring) for code, scoring in found.items()}


def _draws_of(row: Deliverable | None, level: int) -> dict[str, int]:
    """Tasks to draw per module as the plan says, in its order; empty without a plan."""
    if row is None:
        return {}
    _papers, draws, _problems = parse.read_paper_plan(read(row))
    return {d.module: d.count for d in draws if d.level == level and d.module and d.count}


def _draw(tasks: Sequence[parse.SkillTask], draws: dict[str, int]) -> list[parse.SkillTask]:
    """``draws[module]`` tasks of each module (as many as there are), drawn with the check's
    seed so a reviewer downloading twice sees the same paper; one a module without draws."""
    by_module: dict[str, list[parse.SkillTask]] = defaultdict(list)
    for task in tasks:
        by_module[task.module].append(task)
    wanted = draws or dict.fromkeys(by_module, 1)
    rng = random.Random(CHECK_SEED)
    drawn: list[parse.SkillTask] = []
    for module, count in wanted.items():
        pool = by_module.get(module, [])
        drawn += sorted(rng.sample(pool, min(count, len(pool))), key=lambda t: t.row)
    return drawn


def _paper_task(task: parse.SkillTask, scoring: tuple[ScoringItem, ...]) -> SkillTask:
    return SkillTask(
        task.module,
        task.title,
        task.requirements,
        int(task.minutes or 0),
        task.points or 0,
        scoring,
    )


@dataclass(frozen=True)
class Section:
    """One type's items of a paper: its heading and (number, item) pairs."""

    heading: str
    items: tuple[tuple[int, TheoryItem], ...]


@dataclass
class SamplePapers:
    line: ApplicationOccupation
    papers: tuple[Paper, Paper] | None
    problems: list[str] = field(default_factory=list)
    skill: SkillPaper | None = None

    @property
    def title(self) -> str:
        return _("%(line)s 理论知识样卷（A、B 卷）及答案") % {"line": self.line}

    def sections(self, paper: Paper) -> list[Section]:
        result, number = [], 0
        for k, item_type in enumerate(t for t in ITEM_TYPES if t in paper.counts_by_type()):
            items = [i for i in paper.items if i.type == item_type]
            numbered = tuple((number + n, item) for n, item in enumerate(items, start=1))
            number += len(items)
            heading = _("%(numeral)s、%(type)s题（共 %(n)d 题）") % {
                "numeral": NUMERALS[k],
                "type": item_type,
                "n": len(items),
            }
            result.append(Section(heading, numbered))
        return result


def build(line: ApplicationOccupation) -> SamplePapers:
    """The line's papers at its level, or why they cannot be drawn."""
    present = deliverables.current(line)
    spec_row, theory_row = (
        present.get(Deliverable.Kind.SPECIFICATION),
        present.get(Deliverable.Kind.THEORY),
    )
    result = SamplePapers(line, None)
    try:
        result.skill = skill_paper(skill_tasks_for(line))
    except OSError:
        result.problems.append(_("操作技能试题文件无法读取，请联系省职业技能服务指导中心。"))
    if spec_row is None or theory_row is None:
        result.problems.append(_("鉴定要素细目表和理论知识试题上传并检查后才能组卷。"))
        return result
    try:
        spec, spec_problems = read_specification(read(spec_row))
        items, item_problems = read_theory_bank(read(theory_row))
    except OSError:
        result.problems.append(_("题库文件无法读取，请联系省职业技能服务指导中心。"))
        return result
    result.problems += [p.message for p in [*spec_problems, *item_problems][:5]]
    req = BankRequirements.from_round(line.application.round)
    drawn = assemble_papers(
        spec, items, req.plan_for(line.level), CHECK_SEED, req.max_shared_percent
    )
    if isinstance(drawn, list):
        result.problems += [p.message for p in drawn]
    else:
        result.papers = drawn
    return result


def option_lines(item: TheoryItem) -> list[str]:
    pairs = zip(OPTION_LETTERS, item.options, strict=True)
    return [f"{letter}. {text}" for letter, text in pairs if text]


def answer_of(item: TheoryItem) -> str:
    if item.type == JUDGE:
        return "√" if item.answer == "对" else "×"
    return item.answer


# ---- PDF ----------------------------------------------------------------------------------


def pdf_bytes(sample: SamplePapers) -> bytes:
    papers = []
    if sample.papers is not None:
        for paper in sample.papers:
            sections = sample.sections(paper)
            papers.append(
                {
                    "paper": paper,
                    "sections": [
                        {
                            "heading": s.heading,
                            "items": [
                                {
                                    "n": n,
                                    "item": i,
                                    "options": option_lines(i),
                                    "answer": answer_of(i),
                                }
                                for n, i in s.items
                            ],
                        }
                        for s in sections
                    ],
                }
            )
    context = {
        "sample": sample,
        "papers": papers,
        "no_skill_bank": NO_SKILL_BANK,
        "generated_at": clock.now(),
    }
    return render_pdf("cultivation/sample_papers_pdf.html", context)


# ---- DOCX ---------------------------------------------------------------------------------


def docx_bytes(sample: SamplePapers) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    document.add_heading(sample.title, level=1)
    for message in sample.problems:
        document.add_paragraph(message)
    if sample.papers is not None:
        for paper in sample.papers:
            _docx_paper(document, sample, paper)
    _docx_skill(document, sample.skill)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_paper(document: DocumentType, sample: SamplePapers, paper: Paper) -> None:
    plan = paper.plan
    document.add_page_break()
    heading = _("理论知识试卷（%(label)s 卷）") % {"label": paper.label}
    document.add_heading(heading, level=2)
    note = _("共 %(items)d 题，考试时间 %(minutes)d 分钟，满分 %(total)d 分，%(pass)d 分及格。")
    args = {"items": len(paper.items), "minutes": plan.minutes}
    args |= {"total": plan.total_score, "pass": plan.pass_score}
    document.add_paragraph(note % args)
    for section in sample.sections(paper):
        document.add_heading(section.heading, level=3)
        for number, item in section.items:
            text = f"{number}. {item.stem}"
            document.add_paragraph(text)
            for line in option_lines(item):
                document.add_paragraph("    " + line)
    key = _("%(label)s 卷答案") % {"label": paper.label}
    document.add_heading(key, level=3)
    answers = [f"{n}. {answer_of(i)}" for s in sample.sections(paper) for n, i in s.items]
    for start in range(0, len(answers), 10):
        document.add_paragraph("    ".join(answers[start : start + 10]))


def _docx_skill(document: DocumentType, skill: SkillPaper | None) -> None:
    document.add_page_break()
    document.add_heading(_("操作技能试卷及评分记录表"), level=2)
    if skill is None:
        document.add_paragraph(str(NO_SKILL_BANK))
        return
    for n, task in enumerate(skill.tasks, start=1):
        title = _("试题 %(n)d：%(module)s · %(title)s（%(minutes)d 分钟，%(points)s 分）") % {
            "n": n,
            "module": task.module,
            "title": task.title,
            "minutes": task.minutes,
            "points": f"{task.points:g}",
        }
        document.add_heading(title, level=3)
        document.add_paragraph(task.requirements)
        headers = (_("评分项"), _("配分"), _("评分标准"))
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for scoring in task.scoring:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = scoring.title, f"{scoring.points:g}"
            cells[2].text = scoring.criteria
