"""What the catalogue says about requested occupations, for the N-3.1 eligibility rule.

``occupation_facts`` answers for any number of codes with a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q

from .models import (
    SKILL_MAJOR_GROUPS,
    AccessTypeOccupation,
    Occupation,
    SkillStandard,
    SkillStandardCatalog,
)

StandardStatus = Literal["known", "none", "unknown"]


@dataclass(frozen=True)
class OccupationFacts:
    code: str
    name: str
    exists: bool
    is_leaf: bool
    major_group: int
    is_skill_type: bool
    standard_status: StandardStatus
    standard_title: str
    access_type_name: str
    access_type_exempt: bool

    @property
    def is_access_type(self) -> bool:
        return bool(self.access_type_name)


def occupation_facts(codes: Iterable[str]) -> dict[str, OccupationFacts]:
    """Facts for each code (unknown codes included, with ``exists=False``); four queries."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    occupations = {
        row["code"]: row
        for row in Occupation.objects.filter(code__in=wanted).values(
            "code", "name", "level", "major_group"
        )
    }
    titles = _standard_titles(wanted)
    access = _access_types(occupations.values())
    missing_status: StandardStatus = (
        "none" if SkillStandardCatalog.current().is_complete else "unknown"
    )
    return {
        code: _facts(code, occupations.get(code), titles, access, missing_status) for code in wanted
    }


def _standard_titles(codes: list[str]) -> dict[str, str]:
    """Occupation code → title of its newest standard edition."""
    titles: dict[str, str] = {}
    rows = SkillStandard.objects.filter(occupation_id__in=codes).order_by(
        "occupation_id", "-edition"
    )
    for code, title in rows.values_list("occupation_id", "title"):
        titles.setdefault(code, title)
    return titles


def _access_types(occupations: Iterable[dict]) -> dict[str, AccessTypeOccupation]:
    """Occupation code → its access-type entry, by code or, for code-less entries, by name."""
    occupations = list(occupations)
    if not occupations:
        return {}
    names = {row["name"] for row in occupations}
    entries = list(
        AccessTypeOccupation.objects.filter(
            Q(occupation_id__in=[row["code"] for row in occupations])
            | Q(occupation__isnull=True, name__in=names)
        )
    )
    by_code = {e.occupation_id: e for e in entries if e.occupation_id}
    by_name = {e.name: e for e in entries if not e.occupation_id}
    return {
        row["code"]: by_code.get(row["code"]) or by_name[row["name"]]
        for row in occupations
        if row["code"] in by_code or row["name"] in by_name
    }


def _facts(
    code: str,
    row: dict | None,
    titles: dict[str, str],
    access: dict[str, AccessTypeOccupation],
    missing_status: StandardStatus,
) -> OccupationFacts:
    entry = access.get(code)
    major_group = row["major_group"] if row else 0
    return OccupationFacts(
        code=code,
        name=row["name"] if row else "",
        exists=row is not None,
        is_leaf=bool(row) and row["level"] == Occupation.Level.OCCUPATION,
        major_group=major_group,
        is_skill_type=major_group in SKILL_MAJOR_GROUPS,
        standard_status="known" if code in titles else missing_status,
        standard_title=titles.get(code, ""),
        access_type_name=entry.name if entry else "",
        access_type_exempt=bool(entry and entry.exempt),
    )
