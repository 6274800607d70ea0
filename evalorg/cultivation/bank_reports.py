"""A deliverable's stored check report, as people act on it (issue 20 item 3, issue 21 item 2).

The summary first (points by X/Y/Z per level, items by type and level, the A/B papers drawn,
skill tasks per level when a checker gives them), then the problems grouped by kind, most
blocking kinds first, each with its exact count and its first ``BANK_REPORT_SHOWN_PER_KIND``;
the rest on a page of their own (``problems_of_kind``). The stored report keeps at most
``BANK_REPORT_KEEP_PER_KIND`` of a kind (``Deliverable.report_meta`` counts them all), so the
page stays bounded whatever the bank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .banks.report import ERROR, WARNING, kind_label, kind_order
from .banks.requirements import JUDGE, MULTI, SINGLE
from .models import Deliverable

__all__ = ["Group", "ReportView", "groups", "kind_label", "problems_of_kind", "view"]


@dataclass
class Group:
    """The problems of one kind: ``errors`` + ``warnings`` found, ``kept`` stored, ``shown`` on
    the line's page."""

    kind: str
    label: str
    errors: int = 0
    warnings: int = 0
    kept: list[dict[str, Any]] = field(default_factory=list)
    shown_limit: int = 50

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    @property
    def shown(self) -> list[dict[str, Any]]:
        return self.kept[: self.shown_limit]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    @property
    def severity(self) -> str:
        return ERROR if self.errors else WARNING


def groups(row: Deliverable, shown: int | None = None) -> list[Group]:
    """The row's problems by kind, most blocking kinds first (errors before warnings)."""
    limit = settings.BANK_REPORT_SHOWN_PER_KIND if shown is None else shown
    found: dict[str, Group] = {}
    for problem in row.report or []:
        kind = problem.get("kind") or "other"
        group = found.setdefault(kind, Group(kind, kind_label(kind), shown_limit=limit))
        group.kept.append(problem)
    counts = (row.report_meta or {}).get("counts")
    for kind, group in found.items():
        if counts is None or kind not in counts:  # stored before the counts were kept
            group.errors = sum(1 for p in group.kept if p["severity"] == ERROR)
            group.warnings = len(group.kept) - group.errors
    for kind, numbers in (counts or {}).items():
        group = found.setdefault(kind, Group(kind, kind_label(kind), shown_limit=limit))
        group.errors, group.warnings = numbers.get(ERROR, 0), numbers.get(WARNING, 0)
    return sorted(found.values(), key=lambda g: (g.severity != ERROR, kind_order(g.kind)))


def problems_of_kind(row: Deliverable, kind: str) -> tuple[list[dict[str, Any]], int]:
    """The stored problems of ``kind`` and how many were found in all."""
    kept = [p for p in row.report or [] if (p.get("kind") or "other") == kind]
    numbers = (row.report_meta or {}).get("counts", {}).get(kind)
    total = sum(numbers.values()) if numbers else len(kept)
    return kept, total


def summary(row: Deliverable) -> dict[str, Any]:
    """The figures the check found: ``points`` and ``items`` as level → counts, ``papers`` as
    a list of draws, ``tasks`` as level → count when a checker gives them."""
    return dict((row.report_meta or {}).get("summary") or {})


def error_total(row: Deliverable) -> int:
    counts = (row.report_meta or {}).get("counts")
    if counts is None:
        return sum(1 for p in row.report or [] if p["severity"] == ERROR)
    return sum(n.get(ERROR, 0) for n in counts.values())


def warning_total(row: Deliverable) -> int:
    counts = (row.report_meta or {}).get("counts")
    if counts is None:
        return sum(1 for p in row.report or [] if p["severity"] == WARNING)
    return sum(n.get(WARNING, 0) for n in counts.values())


@dataclass
class ReportView:
    """What the report template shows of one checked deliverable."""

    row: Deliverable
    groups: list[Group]
    points: list[dict[str, Any]]
    items: list[dict[str, Any]]
    papers: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    errors: int
    warnings: int

    @property
    def has_summary(self) -> bool:
        return bool(self.points or self.items or self.papers or self.tasks)

    @property
    def is_empty(self) -> bool:
        """Read as the deliverable but nothing in it: no point, no theory item or no skill task."""
        if self.row.kind == Deliverable.Kind.SPECIFICATION:
            return self.row.report_meta.get("summary", {}).get("points") == {}
        if self.row.kind == Deliverable.Kind.THEORY:
            figures = self.row.report_meta.get("summary", {}).get("items")
            return figures is not None and not any(c.get("total") for c in figures.values())
        if self.row.kind == Deliverable.Kind.SKILL:
            return self.row.report_meta.get("summary", {}).get("tasks") == {}
        return False


TYPE_KEYS = {JUDGE: "judge", SINGLE: "single", MULTI: "multi"}  # names a template can use


def _ascii(counts: Any) -> dict[str, Any]:
    return {TYPE_KEYS.get(k, k): v for k, v in counts.items()} if isinstance(counts, dict) else {}


def _by_level(figures: Any) -> list[dict[str, Any]]:
    if not isinstance(figures, dict):
        return []
    rows = [{**_ascii(counts), "level": int(level)} for level, counts in figures.items()]
    return sorted(rows, key=lambda r: -r["level"])


def _draw(papers: Any) -> list[dict[str, Any]]:
    draws = [p for p in papers or [] if isinstance(p, dict)]
    return [{**d, "A": _ascii(d.get("A")), "B": _ascii(d.get("B"))} for d in draws]


def view(row: Deliverable) -> ReportView:
    figures = summary(row)
    tasks = figures.get("tasks") or {}
    return ReportView(
        row=row,
        groups=groups(row),
        points=_by_level(figures.get("points")),
        items=_by_level(figures.get("items")),
        papers=_draw(figures.get("papers")),
        tasks=[{"level": int(k), "count": v} for k, v in sorted(tasks.items(), reverse=True)]
        if isinstance(tasks, dict)
        else [],
        errors=error_total(row),
        warnings=warning_total(row),
    )
