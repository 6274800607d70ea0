"""Checks of the question-bank deliverables against the round's requirements (N-4.2, 附件6).

`check_specification` lives in `specification.py` and is re-exported here.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .layout import OPTION_LETTERS, THEORY_SHEET, TRUE_FALSE
from .levels import of_level
from .parse import SpecRow, TheoryItem, TooLargeForRequest
from .report import DEFAULT_KEEP_PER_KIND, WARNING, Problem, Report, error, warning
from .requirements import (
    ITEM_TYPES,
    JUDGE,
    MULTI,
    SINGLE,
    BankRequirements,
    PaperPlan,
    largest_remainder,
)
from .similarity import DEFAULT_BUDGET, exact_duplicates, find_near_duplicates, normalise_stem
from .skill import check_skill_tasks
from .specification import Specification, check_specification, index_specification

__all__ = [
    "Paper",
    "assemble_papers",
    "check_skill_tasks",
    "check_specification",
    "check_theory_bank",
]

F_POINT, F_ANSWER, F_STEM, F_TYPE = "鉴定点代码", "答案", "题干", "题型"


@dataclass(frozen=True)
class Paper:
    """One sample theory paper (A or B) drawn by the plan."""

    label: str
    plan: PaperPlan
    items: tuple[TheoryItem, ...]

    def counts_by_type(self) -> dict[str, int]:
        return dict(Counter(item.type for item in self.items))

    def counts_by_range(self) -> dict[str, int]:
        return dict(Counter(_top_range(item) for item in self.items))


def _top_range(item: TheoryItem) -> str:
    return item.point_code.split(".")[0]


def check_theory_bank(
    spec: Sequence[SpecRow],
    items: Sequence[TheoryItem],
    req: BankRequirements,
    seed: int = 0,
    on_stage: Callable[[str], None] | None = None,
    level: int | None = None,
    keep_per_kind: int = DEFAULT_KEEP_PER_KIND,
    similarity: Similarity | None = None,
) -> Report:
    """Binding, coverage, answers, options, duplicates and whether the A/B papers can be drawn
    (what was drawn in ``summary["papers"]``, the items per level and type in
    ``summary["items"]``). ``similarity``: the near-duplicate search's budget, and whether
    running out of it raises ``TooLargeForRequest`` (a check in the request moves to the task)
    instead of being reported.

    ``on_stage`` is told each stage as it starts: ``checking``, ``duplicates``, ``papers``.
    With ``level`` (the line's) only that level is checked: items of another level are errors
    on their rows, a bank without an item of the level an error on its sheet."""
    stage = on_stage or (lambda _name: None)
    stage("checking")
    report = Report(keep_per_kind=keep_per_kind)
    if level is not None:
        spec = [row for row in spec if row.level == level]  # the table's own check reports it
        items, problems = of_level(items, level, THEORY_SHEET)
        report.extend(problems)
    index = index_specification(spec)
    bound = [item for item in items if _is_bound(item, index)]
    report.extend(_binding_problems(items, index))
    report.extend(_coverage_problems(index, bound, req))
    report.extend(p for item in items for p in _item_problems(item))
    stage("duplicates")
    report.extend(_duplicate_problems(items, req, report, similarity or Similarity()))
    stage("papers")
    report.summary["items"] = items_summary(items, index.levels())
    papers = []
    for each in index.levels():
        result = _assemble(index, bound, req.plan_for(each), seed, req.max_shared_percent)
        report.extend(result.problems)
        if result.summary:
            papers.append(result.summary)
    report.summary["papers"] = papers
    return report


def items_summary(
    items: Iterable[TheoryItem], levels: Iterable[int] = ()
) -> dict[str, dict[str, int]]:
    """Items per level and type ("5": {"判断": 200, "单选": 600, "多选": 0, "total": 800}),
    levels from 5 down, each of ``levels`` (the specification's) even without items; an item
    whose type could not be read counts as "?"."""
    counts = Counter((item.level, item.type or "?") for item in items)
    result: dict[str, dict[str, int]] = {}
    for level in sorted({*levels, *(level for level, _type in counts)}, reverse=True):
        row = {t: counts[(level, t)] for t in (JUDGE, SINGLE, MULTI)}
        if counts[(level, "?")]:
            row["?"] = counts[(level, "?")]
        result[str(level)] = {**row, "total": sum(row.values())}
    return result


def _is_bound(item: TheoryItem, spec: Specification) -> bool:
    return (item.level, item.point_code) in spec.points


def _binding_problems(items: Iterable[TheoryItem], spec: Specification) -> Iterator[Problem]:
    for item in items:
        if not item.point_code:
            msg = _("鉴定点代码未填写（附件6）。")
            yield error(item.sheet, item.row, F_POINT, msg, "unbound_item")
        elif not _is_bound(item, spec):
            msg = _("鉴定点「%(code)s」在细目表%(level)d级中不存在（附件6）。") % {
                "code": item.point_code,
                "level": item.level,
            }
            yield error(item.sheet, item.row, F_POINT, msg, "unbound_item")


def _coverage_problems(
    spec: Specification, bound: Iterable[TheoryItem], req: BankRequirements
) -> Iterator[Problem]:
    counts = Counter((item.level, item.point_code) for item in bound)
    for key, point in spec.points.items():
        n = counts[key]
        args = {"code": key[1], "n": n, "min": req.min_items_per_point}
        if n == 0:
            msg = _("鉴定点「%(code)s」没有任何试题覆盖（N-4.2）。") % args
        elif n < req.min_items_per_point:
            msg = _("鉴定点「%(code)s」只有 %(n)d 道试题，至少 %(min)d 道（N-4.2）。") % args
        else:
            continue
        yield error(point.sheet, point.row, F_POINT, msg, "uncovered_point")


def _item_problems(item: TheoryItem) -> Iterator[Problem]:
    """An item without a type has its answer unchecked: reading the bank reported the type
    (once: ``parse.read_theory_bank``)."""
    if not normalise_stem(item.stem):
        yield error(item.sheet, item.row, F_STEM, _("题干未填写。"), "missing_stem")
    if not item.type:
        return
    yield from _option_gap_problems(item)
    message = _answer_problem(item)
    if message:
        yield error(item.sheet, item.row, F_ANSWER, message, "bad_answer")


def _filled_letters(item: TheoryItem) -> str:
    return "".join(
        letter for letter, text in zip(OPTION_LETTERS, item.options, strict=True) if text
    )


def _option_gap_problems(item: TheoryItem) -> Iterator[Problem]:
    last = max((k for k, text in enumerate(item.options) if text), default=-1)
    for k in range(last):
        if not item.options[k]:
            letter = OPTION_LETTERS[k]
            msg = _("选项%(letter)s为空，但其后还有选项（附件6）。") % {"letter": letter}
            yield error(item.sheet, item.row, f"选项{letter}", msg, "option_gap")


def _answer_problem(item: TheoryItem) -> str:
    answer, filled = item.answer, _filled_letters(item)
    if item.type == JUDGE:
        return "" if answer in TRUE_FALSE else _("判断题答案应为“对”或“错”。")
    if len(filled) < 2:
        return _("选择题至少要有两个选项。")
    unknown = [letter for letter in answer if letter not in filled]
    if unknown or not answer:
        args = {"answer": answer or "（空）", "options": filled}
        return _("答案「%(answer)s」不是已填写的选项（%(options)s）。") % args
    if item.type == SINGLE and len(answer) != 1:
        return _("单选题答案只能是一个选项字母。")
    if item.type == MULTI and (len(set(answer)) < 2 or len(set(answer)) != len(answer)):
        return _("多选题答案应为两个及以上不重复的选项字母。")
    return ""


@dataclass(frozen=True)
class Similarity:
    """The near-duplicate search's work budget (``similarity.find_near_duplicates``), by
    default ``settings.BANK_NEAR_DUPLICATE_BUDGET``; ``in_request``: running out of it raises
    ``TooLargeForRequest``."""

    budget: int | None = None
    in_request: bool = False

    def units(self) -> int:
        if self.budget is not None:
            return self.budget
        return int(getattr(settings, "BANK_NEAR_DUPLICATE_BUDGET", DEFAULT_BUDGET))


def _duplicate_problems(
    items: Sequence[TheoryItem], req: BankRequirements, report: Report, similarity: Similarity
) -> Iterator[Problem]:
    """Exact duplicates (errors), then near-duplicates (warnings): of those only the ones the
    report keeps are built, the others counted (``report.counts``), so a bank of near-identical
    stems costs the search's budget, not a problem per pair."""
    stems = [normalise_stem(item.stem) for item in items]
    for first, later in exact_duplicates(stems):
        a, b = items[first], items[later]
        msg = _("题干与第 %(first)d 行重复（第 %(first)d、%(later)d 行，附件6）。") % {
            "first": a.row,
            "later": b.row,
        }
        yield error(b.sheet, b.row, F_STEM, msg, "duplicate_stem")
    budget = similarity.units()
    near = find_near_duplicates(stems, req.near_duplicate_score, budget, report.keep_per_kind)
    if not near.complete and similarity.in_request:
        raise TooLargeForRequest(THEORY_SHEET)
    if not near.complete:
        msg = _(
            "近似重复检测已达上限（%(budget)d 个计算单位），已停止：题干高度相似的试题过多，"
            "只列出了停止前找到的相似题干，其余未比对；请删改相似试题后重新上传（N-4.2）。"
        ) % {"budget": budget}
        yield warning(THEORY_SHEET, None, F_STEM, msg, "similar_stem_limit")
    for i, j, score in near.pairs:
        a, b = items[i], items[j]
        msg = _(
            "题干与第 %(first)d 行相似度 %(score).0f%%（第 %(first)d、%(later)d 行），请核实。"
        ) % {
            "first": a.row,
            "later": b.row,
            "score": score,
        }
        yield warning(b.sheet, b.row, F_STEM, msg, "similar_stem")
    # After the kept ones were yielded: counted first, they would not be kept.
    report.counts[("similar_stem", WARNING)] += near.found - len(near.pairs)


def assemble_papers(
    spec: Sequence[SpecRow],
    items: Sequence[TheoryItem],
    plan: PaperPlan,
    seed: int,
    max_shared_percent: float = 10,
) -> tuple[Paper, Paper] | list[Problem]:
    """Papers A and B of `plan.level` (see ``_assemble``); problems instead when the bank
    cannot fill the plan or A and B share more than `max_shared_percent` of their items."""
    index = index_specification(spec)
    bound = [item for item in items if _is_bound(item, index)]
    result = _assemble(index, bound, plan, seed, max_shared_percent)
    return result.problems if result.problems or result.papers is None else result.papers


@dataclass(frozen=True)
class Assembly:
    """The outcome of drawing one level's papers: the papers (None when the bank cannot fill
    the plan), the problems, and what was drawn (JSON-serialisable, for the report)."""

    papers: tuple[Paper, Paper] | None
    problems: list[Problem]
    summary: dict[str, Any]


Pools = dict[tuple[str, str], list[TheoryItem]]


@dataclass(frozen=True)
class _Choice:
    """Items per type within the plan's ranges, the per-range quotas they give, and their
    cost: the items missing from too small pools, then the items A and B must share."""

    counts: dict[str, int]
    quotas: dict[tuple[str, str], int]
    missing: int
    shared: int
    distance: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.missing, self.shared, self.distance)


def _assemble(
    spec: Specification,
    bound: Sequence[TheoryItem],
    plan: PaperPlan,
    seed: int,
    max_shared_percent: float,
) -> Assembly:
    """Per type, the items spread over the first-level ranges by their weights; the counts
    per type are chosen within the plan's ranges to share the fewest items between A and B
    (then the closest to the plan's target counts). A is drawn with ``random.Random(seed)``; B
    avoids A's items while its pool allows."""
    weights = spec.weights.get(plan.level, {})
    if not weights or sum(weights.values()) <= 0:
        msg = _("%(level)d级没有一级鉴定范围比重，无法组卷。") % {"level": plan.level}
        return Assembly(None, [error(THEORY_SHEET, None, "", msg, "paper_pool")], {})
    pools = _pools(bound, plan.level)
    choice = _best_choice(plan, weights, pools)
    if choice.missing:
        problems = [
            _short_pool(plan.level, item_type, code, len(pools[(item_type, code)]), quota)
            for (item_type, code), quota in choice.quotas.items()
            if len(pools[(item_type, code)]) < quota
        ]
        return Assembly(None, problems, {})
    rng = random.Random(seed)
    paper_a: list[TheoryItem] = []
    paper_b: list[TheoryItem] = []
    for key, quota in choice.quotas.items():
        a, b = _draw_pair(rng, pools[key], quota)
        paper_a += a
        paper_b += b
    papers = (Paper("A", plan, tuple(paper_a)), Paper("B", plan, tuple(paper_b)))
    problems = _overlap_problems(plan, paper_a, paper_b, max_shared_percent)
    return Assembly(papers, problems, _draw_summary(plan, papers, not problems))


def _pools(bound: Iterable[TheoryItem], level: int) -> Pools:
    pools: Pools = defaultdict(list)
    for item in bound:
        if item.level == level and item.type and _answer_problem(item) == "":
            pools[(item.type, _top_range(item))].append(item)
    return pools


def _count_choices(plan: PaperPlan) -> Iterator[dict[str, int]]:
    """Every split of ``plan.items`` into counts per type within the type ranges."""
    ranges = plan.type_ranges()
    *free, last = ranges
    lo, hi = ranges[last]
    for values in product(*(range(ranges[t][0], ranges[t][1] + 1) for t in free)):
        rest = plan.items - sum(values)
        if lo <= rest <= hi:
            yield {**dict(zip(free, values, strict=True)), last: rest}


def _best_choice(plan: PaperPlan, weights: Mapping[str, float], pools: Pools) -> _Choice:
    target = plan.target_counts()
    splits: dict[int, dict[str, int]] = {}
    best: _Choice | None = None
    for counts in _count_choices(plan):
        quotas: dict[tuple[str, str], int] = {}
        for item_type, count in counts.items():
            if count not in splits:
                splits[count] = largest_remainder(weights, count)
            quotas.update({(item_type, code): q for code, q in splits[count].items()})
        sizes = {key: len(pools.get(key, ())) for key in quotas}
        choice = _Choice(
            counts=counts,
            quotas=quotas,
            missing=sum(max(0, q - sizes[key]) for key, q in quotas.items()),
            shared=sum(max(0, 2 * q - sizes[key]) for key, q in quotas.items() if q <= sizes[key]),
            distance=sum(abs(counts[t] - target[t]) for t in counts),
        )
        if best is None or choice.key < best.key:
            best = choice
    assert best is not None  # PaperPlan guarantees the ranges can hold its items
    return best


def _draw_summary(plan: PaperPlan, papers: tuple[Paper, Paper], passed: bool) -> dict[str, Any]:
    a, b = papers
    shared = _shared(a.items, b.items)
    return {
        "level": plan.level,
        "items": plan.items,
        "A": {t: a.counts_by_type().get(t, 0) for t in ITEM_TYPES},
        "B": {t: b.counts_by_type().get(t, 0) for t in ITEM_TYPES},
        "shared": shared,
        "share": round(100 * shared / plan.items, 1) if plan.items else 0.0,
        "passed": passed,
    }


def _shared(a: Iterable[TheoryItem], b: Iterable[TheoryItem]) -> int:
    return len({item.row for item in a} & {item.row for item in b})


def _draw_pair(
    rng: random.Random, pool: Sequence[TheoryItem], quota: int
) -> tuple[list[TheoryItem], list[TheoryItem]]:
    a = rng.sample(list(pool), quota)
    taken = {item.row for item in a}
    rest = [item for item in pool if item.row not in taken]
    fresh = rng.sample(rest, min(quota, len(rest)))
    return a, fresh + rng.sample(a, quota - len(fresh))


def _short_pool(level: int, item_type: str, code: str, have: int, need: int) -> Problem:
    msg = _(
        "%(level)d级鉴定范围「%(code)s」的%(type)s题只有 %(have)d 道可用，"
        "按组卷方案和比重每套试卷需要 %(need)d 道（附件6）。"
    ) % {"level": level, "code": code, "type": item_type, "have": have, "need": need}
    return error(THEORY_SHEET, None, F_TYPE, msg, "paper_pool")


def _ranges_text(plan: PaperPlan) -> str:
    return "、".join(
        f"{t} {lo}–{hi} 道" if lo != hi else f"{t} {lo} 道"
        for t, (lo, hi) in plan.type_ranges().items()
        if hi > 0
    )


def _overlap_problems(
    plan: PaperPlan, a: Sequence[TheoryItem], b: Sequence[TheoryItem], limit: float
) -> list[Problem]:
    """Refused when A and B share more than ``limit`` % of a paper's items (the real share:
    shared items over the items of one paper)."""
    shared = _shared(a, b)
    if 100 * shared <= limit * plan.items:
        return []
    msg = _(
        "%(level)d级在组卷方案的题型范围内（%(ranges)s）组卷，A、B 两套试卷最少也有 %(n)d 道"
        "相同试题（%(share).1f%%），不得超过 %(limit)s%%（附件6）。"
    ) % {
        "level": plan.level,
        "ranges": _ranges_text(plan),
        "n": shared,
        "share": 100 * shared / plan.items,
        "limit": f"{limit:g}",
    }
    return [error(THEORY_SHEET, None, "", msg, "paper_overlap")]
