"""Queries shared by the review pages: panels, assignments, templates, aggregates, ranking."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application
from evalorg.rounds.models import Round

from .models import (
    Assignment,
    ConflictDeclaration,
    ConflictKind,
    Panel,
    Recommendation,
    ReviewLevel,
    Scoresheet,
)
from .scoring import PROFESSIONALISM, Aggregate, RankEntry, TemplateItem, aggregate, rank
from .scoring import template_items as parse_template

MIN_PANEL_SIZE = 3


def level_of(agency: Agency) -> str:
    return ReviewLevel.PROVINCE if agency.kind == Agency.Kind.PROVINCE else ReviewLevel.CITY


def template_for(round_: Round, level: str) -> list[TemplateItem]:
    template = round_.scoresheet_template or {}
    return parse_template(template.get(level) or template.get(ReviewLevel.CITY) or {})


def expert_scope(qs: QuerySet, user) -> QuerySet:
    """Experts see only the cases they score: assigned to a panel they sit on, either to the
    whole panel or to them by name, and not one they are conflicted on (SPEC §1)."""
    scoring = Assignment.objects.filter(
        application=OuterRef("pk"), panel__members__expert=user
    ).filter(Q(experts=user) | Q(experts__isnull=True))
    conflicted = ConflictDeclaration.objects.filter(
        application=OuterRef("pk"), expert=user
    ).exclude(kind=ConflictKind.NONE, detected="")
    return qs.filter(Exists(scoring)).exclude(Exists(conflicted)).exclude(state="draft")


def experts_for(assignment: Assignment) -> list:
    """The experts who score this assignment: the chosen ones, or every panel member."""
    chosen = list(assignment.experts.all())
    if chosen:
        return chosen
    return [member.expert for member in assignment.panel.members.all()]


def assignment_for(expert, application: Application) -> Assignment | None:
    """The assignment through which ``expert`` may review ``application`` (None: not on it)."""
    assignments = Assignment.objects.filter(application=application).select_related("panel")
    for assignment in assignments.prefetch_related("experts", "panel__members__expert"):
        if expert in experts_for(assignment):
            return assignment
    return None


@dataclass
class RankedRow:
    rank: int
    application: Application
    aggregate: Aggregate
    recommendation: Recommendation | None

    @property
    def professionalism(self) -> Decimal:
        return self.aggregate.dimensions.get(PROFESSIONALISM, Decimal(0))


def ranked(agency: Agency, round_: Round) -> list[RankedRow]:
    """Every application received by ``agency`` in ``round_`` with submitted scores, ranked.

    Constant number of queries: applications with their submitted scoresheets and decisions.
    """
    level = level_of(agency)
    items = template_for(round_, level)
    conflicted = ConflictDeclaration.objects.filter(
        panel=OuterRef("panel"), application=OuterRef("application"), expert=OuterRef("expert")
    ).exclude(kind=ConflictKind.NONE, detected="")
    # Only this agency's panel for this round, and never a sheet of a conflicted expert.
    submitted = Scoresheet.objects.filter(
        status=Scoresheet.Status.SUBMITTED,
        panel__agency=agency,
        panel__round=round_,
        panel__level=level,
    ).exclude(Exists(conflicted))
    applications = (
        Application.objects.filter(round=round_, receiving_agency=agency)
        .exclude(state__in=["draft", "withdrawn"])
        .select_related("institution", "recommendation")
        .prefetch_related(
            Prefetch("scoresheets", queryset=submitted, to_attr="sheets"), "occupations__occupation"
        )
    )
    aggregates = {}
    for application in applications:
        if application.sheets:
            aggregates[application.pk] = (
                application,
                aggregate(
                    [s.scores for s in application.sheets],
                    items,
                    round_.aggregation,
                    round_.dispersion_threshold,
                ),
            )
    entries = [
        RankEntry(
            key=pk,
            total=agg.total,
            professionalism=agg.dimensions.get(PROFESSIONALISM, Decimal(0)),
            submitted_at=application.submitted_at,
        )
        for pk, (application, agg) in aggregates.items()
    ]
    rows = []
    for position, entry in rank(entries):
        application, agg = aggregates[entry.key]
        decision = getattr(application, "recommendation", None)
        rows.append(RankedRow(position, application, agg, decision))
    return rows


def agency_rounds(agency: Agency) -> list[Round]:
    """Rounds in which ``agency`` received applications, newest first."""
    rounds = Round.objects.filter(applications__receiving_agency=agency).distinct()
    return list(rounds.order_by("-published_on", "-pk"))


def pick_round(rounds: list[Round], chosen: str | None) -> Round | None:
    """The round chosen by id among ``rounds`` (404 if not one of them), else the newest."""
    if not chosen:
        return rounds[0] if rounds else None
    selected = next((r for r in rounds if str(r.pk) == chosen), None)
    if selected is None:
        raise Http404
    return selected


def panel_of(agency: Agency, round_: Round) -> Panel | None:
    return Panel.objects.filter(agency=agency, round=round_, level=level_of(agency)).first()
