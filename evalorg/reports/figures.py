"""The department's and the center's figures (issue 13): per round and per city.

Sources (each one aggregate query, so the page costs the same number of queries however many
cases there are):

- cases: ``Application`` not in ``draft`` (a case counts once it was submitted); the city is
  the institution's city (属地), not the receiving agency (the center receives provincial
  institutions of every city);
- stages: the ``ReviewStage`` records (opened, decided, recommended);
- recommendation rate: first-instance records (city assessment, or the center's first
  instance, N-4.1.2) that recommend ÷ those decided; selection rate: provincial selection
  records that pass ÷ those decided (N-4.1.3);
- time from submission (``Application.submitted_at``) to each milestone, median in days: the
  stage records' ``opened_at`` / ``decided_at``, the cultivation period's ``starts_on`` and
  the filing letter's ``issued_on`` (the records each step writes, rather than parsing the
  audit log);
- occupations most applied for: occupation lines of submitted cases, by distinct cases;
- filed organizations: distinct institutions with a filing letter, by city and category.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.cultivation.models import CultivationPeriod
from evalorg.filing.models import FilingLetter
from evalorg.institutions.models import Category
from evalorg.review.models import FIRST_INSTANCE_STAGES, ReviewStage, Stage
from evalorg.rounds.models import Round

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOP_OCCUPATIONS = 10


@dataclass
class Report:
    round: Round | None
    cities: list[str] = field(default_factory=list)
    states: list[tuple[str, str]] = field(default_factory=list)
    by_city_state: list[dict] = field(default_factory=list)
    by_stage: list[dict] = field(default_factory=list)
    rates: list[dict] = field(default_factory=list)
    durations: list[dict] = field(default_factory=list)
    occupations: list[dict] = field(default_factory=list)
    filed: list[dict] = field(default_factory=list)
    across_rounds: list[dict] = field(default_factory=list)


def _cases(round_: Round | None) -> QuerySet[Application]:
    cases = Application.objects.exclude(state=State.DRAFT)
    return cases.filter(round=round_) if round_ else cases


def _city(name: str | None) -> str:
    return name or _("未填写")


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when nothing was decided."""
    return round(100 * part / whole, 1) if whole else None


def _by_city_state(report: Report, cases: QuerySet) -> None:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = cases.values("institution__city__name", "state").annotate(n=Count("pk"))
    for row in rows:
        counts[_city(row["institution__city__name"])][row["state"]] = row["n"]
    present = {state for per_city in counts.values() for state in per_city}
    report.states = [(value, str(label)) for value, label in State.choices if value in present]
    report.cities = sorted(counts)
    report.by_city_state = [
        {
            "city": city,
            "counts": [counts[city].get(state, 0) for state, _label in report.states],
            "total": sum(counts[city].values()),
        }
        for city in report.cities
    ]


def _stages(round_: Round | None) -> QuerySet[ReviewStage]:
    stages = ReviewStage.objects.exclude(application__state=State.DRAFT)
    return stages.filter(application__round=round_) if round_ else stages


def _by_stage_and_rates(report: Report, round_: Round | None) -> None:
    rows = (
        _stages(round_)
        .values("application__institution__city__name", "stage")
        .annotate(
            opened=Count("pk"),
            decided=Count("pk", filter=Q(recommended__isnull=False)),
            yes=Count("pk", filter=Q(recommended=True)),
        )
    )
    labels = dict(Stage.choices)
    first: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    selection: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        city = _city(row["application__institution__city__name"])
        report.by_stage.append(
            {
                "city": city,
                "stage": row["stage"],
                "stage_label": str(labels.get(row["stage"], row["stage"])),
                "opened": row["opened"],
                "decided": row["decided"],
                "recommended": row["yes"],
            }
        )
        target = selection if row["stage"] == Stage.PROVINCE_SELECTION else first
        target[city][0] += row["yes"]
        target[city][1] += row["decided"]
    report.by_stage.sort(key=lambda r: (r["city"], list(labels).index(r["stage"])))
    cities = sorted(set(first) | set(selection))
    report.rates = [
        {
            "city": city,
            "assessed": first[city][1],
            "recommended": first[city][0],
            "recommendation_rate": rate(first[city][0], first[city][1]),
            "selection_decided": selection[city][1],
            "selected": selection[city][0],
            "selection_rate": rate(selection[city][0], selection[city][1]),
        }
        for city in cities
    ]
    if cities:
        counts = ("assessed", "recommended", "selection_decided", "selected")
        total = {k: sum(r[k] for r in report.rates) for k in counts}
        report.rates.append(
            {
                "city": _("全省"),
                "assessed": total["assessed"],
                "recommended": total["recommended"],
                "recommendation_rate": rate(total["recommended"], total["assessed"]),
                "selection_decided": total["selection_decided"],
                "selected": total["selected"],
                "selection_rate": rate(total["selected"], total["selection_decided"]),
            }
        )


def days_between(start: datetime, end: datetime | date) -> float:
    if isinstance(end, datetime):
        return (end - start).total_seconds() / 86400
    return float((end - start.astimezone(SHANGHAI).date()).days)


def _median(label: str, pairs) -> dict:
    days = [days_between(start, end) for start, end in pairs if start and end]
    return {
        "milestone": label,
        "cases": len(days),
        "median_days": round(median(days), 1) if days else None,
    }


def _durations(report: Report, round_: Round | None) -> None:
    stages = _stages(round_).values_list("stage", "application__submitted_at", "opened_at")
    decided = _stages(round_).values_list("stage", "application__submitted_at", "decided_at")
    by_stage: dict[str, list] = defaultdict(list)
    decided_by_stage: dict[str, list] = defaultdict(list)
    for stage, submitted, opened in stages:
        by_stage[stage].append((submitted, opened))
    for stage, submitted, when in decided:
        decided_by_stage[stage].append((submitted, when))
    periods = CultivationPeriod.objects.all()
    letters = FilingLetter.objects.filter(kind=FilingLetter.Kind.FILING)  # a case's own
    if round_:
        periods = periods.filter(application__round=round_)
        letters = letters.filter(application__round=round_)
    first_opened = by_stage[Stage.CITY_ASSESSMENT] + by_stage[Stage.PROVINCE_FIRST_INSTANCE]
    first_decided = (
        decided_by_stage[Stage.CITY_ASSESSMENT] + decided_by_stage[Stage.PROVINCE_FIRST_INSTANCE]
    )
    report.durations = [
        _median(_("初审评估开始"), first_opened),
        _median(_("推荐决定"), first_decided),
        _median(_("省级遴选评审开始"), by_stage[Stage.PROVINCE_SELECTION]),
        _median(_("省级评审决定"), decided_by_stage[Stage.PROVINCE_SELECTION]),
        _median(
            _("进入培育辅导"),
            periods.values_list("application__submitted_at", "starts_on"),
        ),
        _median(_("备案"), letters.values_list("application__submitted_at", "issued_on")),
    ]


def _occupations(report: Report, round_: Round | None) -> None:
    lines = ApplicationOccupation.objects.exclude(application__state=State.DRAFT)
    if round_:
        lines = lines.filter(application__round=round_)
    rows = (
        lines.values("occupation_id", "occupation__name")
        .annotate(applications=Count("application", distinct=True), lines=Count("pk"))
        .order_by("-applications", "-lines", "occupation_id")[:TOP_OCCUPATIONS]
    )
    report.occupations = [
        {
            "code": r["occupation_id"],
            "name": r["occupation__name"],
            "applications": r["applications"],
            "lines": r["lines"],
        }
        for r in rows
    ]


def _filed(report: Report, round_: Round | None) -> None:
    letters = FilingLetter.objects.all()
    if round_:
        letters = letters.filter(application__round=round_)
    rows = (
        letters.values("application__institution__city__name", "application__institution__category")
        .annotate(n=Count("application__institution", distinct=True))
        .order_by("application__institution__city__name", "application__institution__category")
    )
    categories = dict(Category.choices)
    report.filed = [
        {
            "city": _city(r["application__institution__city__name"]),
            "category": str(categories.get(r["application__institution__category"], "")),
            "organizations": r["n"],
        }
        for r in rows
    ]


def across_rounds() -> list[dict]:
    """One row per round that has cases: submitted, recommended, selected, filed."""
    submitted = dict(
        _cases(None).values("round_id").annotate(n=Count("pk")).values_list("round_id", "n")
    )
    stage_counts = (
        _stages(None)
        .values("application__round_id")
        .annotate(
            n_recommended=Count("pk", filter=Q(stage__in=FIRST_INSTANCE_STAGES, recommended=True)),
            n_selected=Count("pk", filter=Q(stage=Stage.PROVINCE_SELECTION, recommended=True)),
        )
    )
    stages = {row["application__round_id"]: row for row in stage_counts}
    filed = dict(
        FilingLetter.objects.filter(kind=FilingLetter.Kind.FILING)  # filed cases, once each
        .values("application__round_id")
        .annotate(n=Count("pk"))
        .values_list("application__round_id", "n")
    )
    rounds = Round.objects.filter(pk__in=submitted).order_by("published_on", "pk")
    return [
        {
            "round": r.name,
            "code": r.code,
            "submitted": submitted.get(r.pk, 0),
            "recommended": stages.get(r.pk, {}).get("n_recommended", 0),
            "selected": stages.get(r.pk, {}).get("n_selected", 0),
            "filed": filed.get(r.pk, 0),
        }
        for r in rounds
    ]


def build(round_: Round | None) -> Report:
    """Every figure for one round, or for all rounds when ``round_`` is None."""
    report = Report(round=round_)
    _by_city_state(report, _cases(round_))
    _by_stage_and_rates(report, round_)
    _durations(report, round_)
    _occupations(report, round_)
    _filed(report, round_)
    report.across_rounds = across_rounds()
    return report


def chart_data(report: Report) -> dict:
    """What the page's charts draw (passed through ``json_script``)."""
    return {
        "states": {
            "labels": report.cities,
            "series": [
                {"label": label, "data": [row["counts"][i] for row in report.by_city_state]}
                for i, (_state, label) in enumerate(report.states)
            ],
        },
        "durations": {
            "labels": [d["milestone"] for d in report.durations],
            "data": [d["median_days"] for d in report.durations],
        },
        "occupations": {
            "labels": [f"{o['code']} {o['name']}" for o in report.occupations],
            "data": [o["applications"] for o in report.occupations],
        },
        "rounds": {
            "labels": [r["round"] for r in report.across_rounds],
            "series": [
                {"label": str(label), "data": [r[key] for r in report.across_rounds]}
                for key, label in (
                    ("submitted", _("提交")),
                    ("recommended", _("推荐")),
                    ("selected", _("评审通过")),
                    ("filed", _("备案")),
                )
            ],
        },
    }
