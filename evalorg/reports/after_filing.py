"""The after-filing figures of the department's report (issue 25 item 9, SPEC §6.7, N-5.2).

Each table is one aggregate query over the records the stage keeps, so the page costs the same
number of queries however many organizations, plans, inspections or complaints there are:

- assessments (认定活动): the assessment plans the local agency accepted, by year of the
  assessment's first day and the organization's city, and by occupation and level, with the
  results the organizations reported (candidates, passed, certificates);
- random inspections (双随机抽查): the inspections of each year's draws by their course
  (to inspect, rectifying, answered, closed, escalated) and how many had findings, i.e. were
  given a rectification order;
- sanctions (处理): those in force or that were in force, by the year they took effect and
  their kind;
- complaints (投诉): by year of submission and outcome.

Assessment figures follow the chosen round (the round that filed the assessed occupation);
inspections, sanctions and complaints concern organizations, not rounds, and are always for
every round.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from evalorg.applications.models import SkillLevel
from evalorg.complaints.models import Complaint
from evalorg.rounds.models import Round
from evalorg.sanctions.models import Sanction
from evalorg.supervision.models import AssessmentPlan, Inspection

# Plans that took place or will (the agency accepted them); returned or pending ones are not
# assessments.
HELD = (
    AssessmentPlan.Status.ACCEPTED,
    AssessmentPlan.Status.RESULTS_REPORTED,
    AssessmentPlan.Status.CLOSED,
)
REPORTED = (AssessmentPlan.Status.RESULTS_REPORTED, AssessmentPlan.Status.CLOSED)
# A sanction that took effect, whether or not it has since been lifted.
TOOK_EFFECT = (Sanction.Status.EFFECTIVE, Sanction.Status.RESTORED)


@dataclass
class AfterFiling:
    assessments_by_year_city: list[dict] = field(default_factory=list)
    assessments_by_occupation: list[dict] = field(default_factory=list)
    inspections: list[dict] = field(default_factory=list)
    sanctions: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)


def _plans(round_: Round | None) -> QuerySet[AssessmentPlan]:
    plans = AssessmentPlan.objects.filter(status__in=HELD)
    return plans.filter(line__application__round=round_) if round_ else plans


def _results() -> dict:
    """The sums of reported results (0 rather than None when nothing was reported)."""
    reported = Q(status__in=REPORTED)
    return {
        "plans": Count("pk"),
        "reported": Count("pk", filter=reported),
        "candidates": Sum("candidates", filter=reported, default=0),
        "passed": Sum("passed", filter=reported, default=0),
        "certificates": Sum("certificates", filter=reported, default=0),
    }


def _result_row(row: dict, **first) -> dict:
    keys = ("plans", "reported", "candidates", "passed", "certificates")
    return first | {key: row[key] for key in keys}


def _assessments(report: AfterFiling, round_: Round | None) -> None:
    by_city = (
        _plans(round_)
        .annotate(year=ExtractYear("starts_on"), city=F("institution__city__name"))
        .values("year", "city")
        .annotate(**_results())
        .order_by("year", "city")
    )
    report.assessments_by_year_city = [
        _result_row(r, year=r["year"], city=r["city"] or _("未填写")) for r in by_city
    ]
    levels = dict(SkillLevel.choices)
    by_line = (
        _plans(round_)
        .values("line__occupation_id", "line__occupation__name", "line__level")
        .annotate(**_results())
        .order_by("line__occupation_id", "-line__level")
    )
    report.assessments_by_occupation = [
        _result_row(
            r,
            code=r["line__occupation_id"],
            name=r["line__occupation__name"],
            level=str(levels.get(r["line__level"], r["line__level"])),
        )
        for r in by_line
    ]


def _inspections(report: AfterFiling) -> None:
    statuses = Inspection.Status
    rows = (
        Inspection.objects.values(year=F("draw__year"))
        .annotate(
            drawn=Count("pk"),
            **{
                f"n_{status.value}": Count("pk", filter=Q(status=status.value))
                for status in statuses
            },
            with_findings=Count("pk", filter=Q(rectify_by__isnull=False)),
        )
        .order_by("year")
    )
    report.inspections = [
        {
            "year": r["year"],
            "drawn": r["drawn"],
            "counts": [r[f"n_{status.value}"] for status in statuses],
            "with_findings": r["with_findings"],
        }
        for r in rows
    ]


def _sanctions(report: AfterFiling) -> None:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Sanction.objects.filter(status__in=TOOK_EFFECT, effective_on__isnull=False)
        .annotate(year=ExtractYear("effective_on"))
        .values("year", "kind")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["year"]][row["kind"]] = row["n"]
    report.sanctions = [
        {"year": year, "counts": [counts[year].get(kind.value, 0) for kind in Sanction.Kind]}
        for year in sorted(counts)
    ]


def _complaints(report: AfterFiling) -> None:
    statuses = Complaint.Status
    rows = (
        Complaint.objects.annotate(year=ExtractYear("created_at"))
        .values("year")
        .annotate(
            received=Count("pk"),
            **{
                f"n_{status.value}": Count("pk", filter=Q(status=status.value))
                for status in statuses
            },
        )
        .order_by("year")
    )
    report.complaints = [
        {
            "year": r["year"],
            "received": r["received"],
            "counts": [r[f"n_{status.value}"] for status in statuses],
        }
        for r in rows
    ]


def build(round_: Round | None) -> AfterFiling:
    report = AfterFiling()
    _assessments(report, round_)
    _inspections(report)
    _sanctions(report)
    _complaints(report)
    return report


def inspection_columns() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in Inspection.Status]


def sanction_columns() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in Sanction.Kind]


def complaint_columns() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in Complaint.Status]
