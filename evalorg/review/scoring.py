"""Scoresheet template, aggregation and ranking (附件3; SPEC §6.2).

Totals: each expert's total is the sum of their item scores; the application's total is the
mean of the experts' totals, or, when the round says so and 5 or more experts scored, the
mean after dropping one highest and one lowest total (去掉一个最高分和一个最低分). Item and
dimension figures are aggregated the same way, each on its own column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

TRIM_MINIMUM = 5
TWO_PLACES = Decimal("0.01")
PROFESSIONALISM = "evaluation_professionalism"  # 评价专业性: the first tie-breaker

DIMENSIONS = [
    ("industry_representativeness", "产业代表性"),
    ("sector_authority", "行业权威性"),
    (PROFESSIONALISM, "评价专业性"),
]


@dataclass(frozen=True)
class TemplateItem:
    code: str
    title: str
    dimension: str
    max_points: Decimal
    guidance: str = ""


def template_items(template: dict) -> list[TemplateItem]:
    return [
        TemplateItem(
            code=item["code"],
            title=item["title"],
            dimension=item["dimension"],
            max_points=Decimal(str(item["max_points"])),
            guidance=item.get("guidance", ""),
        )
        for item in template.get("items", [])
    ]


def mean(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, ROUND_HALF_UP)


def trimmed_mean(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    return mean(ordered[1:-1])


def combine(values: Sequence[Decimal], method: str) -> Decimal:
    if not values:
        return Decimal(0)
    if method == "trimmed_mean" and len(values) >= TRIM_MINIMUM:
        return trimmed_mean(values)
    return mean(values)


def method_used(method: str, count: int) -> str:
    return "trimmed_mean" if method == "trimmed_mean" and count >= TRIM_MINIMUM else "mean"


@dataclass
class Aggregate:
    count: int
    method: str
    total: Decimal
    items: dict[str, Decimal]
    dimensions: dict[str, Decimal]
    spread: Decimal
    dispersed: bool
    expert_totals: list[Decimal] = field(default_factory=list)


def sheet_total(scores: dict[str, Decimal], items: Iterable[TemplateItem]) -> Decimal:
    return sum((Decimal(str(scores.get(i.code, 0))) for i in items), Decimal(0))


def dimension_total(scores: dict, items: Iterable[TemplateItem], dimension: str) -> Decimal:
    return sheet_total(scores, [i for i in items if i.dimension == dimension])


def aggregate(
    sheets: Sequence[dict], items: Sequence[TemplateItem], method: str, threshold: Decimal
) -> Aggregate:
    """``sheets``: each expert's ``{item_code: points}`` (submitted sheets only).

    Each point is read into a ``Decimal`` once and summed in the template's item order, as
    ``sheet_total`` / ``dimension_total`` sum them: at 1,000 cases, converting every point
    three times over was a sixth of the ranking's time (cProfile, issue 12)."""
    points = [[Decimal(str(s.get(i.code, 0))) for i in items] for s in sheets]
    totals = [sum(row, Decimal(0)) for row in points]
    # Each item's points, one per expert (every row has one point per item).
    columns = zip(*points, strict=True) if points else [()] * len(items)
    per_item = {i.code: combine(column, method) for i, column in zip(items, columns, strict=True)}
    per_dimension = {}
    for code, _label in DIMENSIONS:
        columns = [n for n, i in enumerate(items) if i.dimension == code]
        subtotals = [sum([row[n] for n in columns], Decimal(0)) for row in points]
        per_dimension[code] = combine(subtotals, method)
    spread = (max(totals) - min(totals)) if totals else Decimal(0)
    return Aggregate(
        count=len(sheets),
        method=method_used(method, len(sheets)),
        total=combine(totals, method),
        items=per_item,
        dimensions=per_dimension,
        spread=spread,
        dispersed=spread > threshold,
        expert_totals=totals,
    )


@dataclass(frozen=True)
class RankEntry:
    key: int  # application id
    total: Decimal
    professionalism: Decimal
    submitted_at: datetime


def rank(entries: Iterable[RankEntry]) -> list[tuple[int, RankEntry]]:
    """Rank by total, then 评价专业性 subtotal, then earlier submission; 1-based ranks."""
    ordered = sorted(entries, key=lambda e: (-e.total, -e.professionalism, e.submitted_at))
    return [(position, entry) for position, entry in enumerate(ordered, start=1)]


SCORE_PLACES = Decimal("0.1")
SCORE_NUMBER_FORMAT = "0.0"  # the same one decimal in XLSX cells


def format_score(value) -> str:
    """One decimal, rounded half up (80.25 → 80.3); "—" for no score. Every score display
    (pages, PDFs, exports) goes through this, so they never disagree."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return str(number.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP))


METHOD_LABELS = {
    "mean": _lazy("算术平均"),
    "trimmed_mean": _lazy("去掉一个最高分和一个最低分后平均"),
}


def methods_used(rows) -> list[str]:
    """The aggregation methods the rows were actually ranked with (a trimmed-mean round falls
    back to the plain mean below five experts), each with how many cases used it."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.aggregate.method] = counts.get(row.aggregate.method, 0) + 1
    return method_labels(counts)


def method_labels(counts: dict[str, int]) -> list[str]:
    """Each aggregation method used, with how many cases used it (``methods_used``)."""
    return [
        _("%(label)s（%(n)s 份）") % {"label": METHOD_LABELS.get(method, method), "n": n}
        for method, n in sorted(counts.items())
    ]
