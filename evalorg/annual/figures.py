"""An annual report's figures, generated from the after-filing records (N-5.2, 五(二)).

For one organization and one calendar year (Asia/Shanghai):

- assessments: its assessment plans with reported results whose last day falls in the year,
  per filed occupation and level (count, candidates, passed, certificates issued) and in total;
  ``unreported`` counts the accepted plans of the year still without results;
- complaints: those received in the year and their outcomes (upheld, dismissed, still open);
- examiners: the distinct examiners named on the year's reported plans.

Five queries whatever the number of plans or complaints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from evalorg.applications.models import SkillLevel
from evalorg.complaints.models import Complaint
from evalorg.supervision.models import AssessmentPlan

P = AssessmentPlan.Status
C = Complaint.Status
REPORTED = (P.RESULTS_REPORTED, P.CLOSED)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of ``year`` and of the next, in the project's time zone."""
    zone = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _plans(institution_id: int, year: int) -> Any:
    return AssessmentPlan.objects.filter(institution_id=institution_id, ends_on__year=year)


def assessment_lines(institution_id: int, year: int) -> list[dict[str, Any]]:
    """Per filed occupation and level: assessments, candidates, passed, certificates."""
    levels = {key: str(label) for key, label in SkillLevel.choices}
    found = (
        _plans(institution_id, year)
        .filter(status__in=REPORTED)
        .values("line__occupation_id", "line__occupation__name", "line__level")
        .annotate(
            assessments=Count("pk"),
            candidates=Sum("candidates"),
            passed=Sum("passed"),
            certificates=Sum("certificates"),
        )
        .order_by("line__occupation_id", "-line__level")
    )
    return [
        {
            "code": row["line__occupation_id"],
            "name": row["line__occupation__name"],
            "level": row["line__level"],
            "level_label": levels.get(row["line__level"], str(row["line__level"])),
            "assessments": row["assessments"],
            "candidates": row["candidates"] or 0,
            "passed": row["passed"] or 0,
            "certificates": row["certificates"] or 0,
        }
        for row in found
    ]


def complaint_counts(institution_id: int, year: int) -> dict[str, int]:
    start, end = year_bounds(year)
    counts = Complaint.objects.filter(
        institution_id=institution_id, created_at__gte=start, created_at__lt=end
    ).aggregate(
        received=Count("pk"),
        upheld=Count("pk", filter=Q(status=C.UPHELD)),
        dismissed=Count("pk", filter=Q(status=C.DISMISSED)),
        open=Count("pk", filter=Q(status__in=[C.RECEIVED, C.INVESTIGATING])),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def examiner_count(institution_id: int, year: int) -> int:
    names: set[str] = set()
    reported = _plans(institution_id, year).filter(status__in=REPORTED)
    for examiners in reported.values_list("examiners", flat=True):
        names.update(str(name).strip() for name in examiners or [] if str(name).strip())
    return len(names)


def figures_for(institution_id: int, year: int) -> dict[str, Any]:
    """The generated part of the organization's report for ``year`` (JSON-ready)."""
    lines = assessment_lines(institution_id, year)
    totals = {
        key: sum(line[key] for line in lines)
        for key in ("assessments", "candidates", "passed", "certificates")
    }
    unreported = _plans(institution_id, year).filter(status=P.ACCEPTED).count()
    return {
        "year": year,
        "lines": lines,
        "totals": totals,
        "unreported": unreported,
        "complaints": complaint_counts(institution_id, year),
        "examiners": examiner_count(institution_id, year),
    }
