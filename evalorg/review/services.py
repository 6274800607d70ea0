"""Queries shared by the review pages: panels, assignments, templates, aggregates, ranking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from evalorg.accounts.models import Agency
from evalorg.applications.models import Application, State
from evalorg.catalog.models import Occupation
from evalorg.core import clock
from evalorg.rounds.models import Round

from .conflicts import ConflictIndex
from .models import (
    FIRST_INSTANCE_STAGES,
    TEMPLATE_KEY,
    Assignment,
    Panel,
    ReviewStage,
    Scoresheet,
    Stage,
)
from .scoring import PROFESSIONALISM, Aggregate, RankEntry, TemplateItem, aggregate, rank
from .scoring import template_items as parse_template

MIN_PANEL_SIZE = 3


# States of a case the cities have sent to the provincial center (SPEC §5).
SENT_STATES = frozenset(
    {
        State.PROVINCE_REVIEW,
        State.SELECTED,
        State.REJECTED,
        State.LEADERSHIP_APPROVED,
        State.IN_PUBLICITY,
        State.OBJECTION_UPHELD,
        State.CULTIVATING,
        State.ACCEPTED,
        State.FILED,
        State.ELIMINATED,
    }
)


def first_instance_stage(agency: Agency) -> str:
    """The stage an agency reviews its own received cases in (N-4.1.2)."""
    if agency.kind == Agency.Kind.PROVINCE:
        return Stage.PROVINCE_FIRST_INSTANCE
    return Stage.CITY_ASSESSMENT


def stage_now(application: Application) -> str:
    if application.state in SENT_STATES:
        return Stage.PROVINCE_SELECTION
    return first_instance_stage(application.receiving_agency)


def review_of(application: Application, stage: str | None = None) -> ReviewStage:
    """The case's record at ``stage`` (default: the stage it is in now), opened on first use."""
    stage = stage or stage_now(application)
    if stage == Stage.PROVINCE_SELECTION:
        agency = Agency.objects.get(kind=Agency.Kind.PROVINCE)
    else:
        agency = application.receiving_agency
    record, _created = ReviewStage.objects.get_or_create(
        application=application,
        stage=stage,
        defaults={"agency": agency, "opened_at": clock.now()},
    )
    return record


def decision_of(application: Application, stage: str | None = None) -> ReviewStage | None:
    stage = stage or stage_now(application)
    return ReviewStage.objects.filter(application=application, stage=stage).first()


def template_for(round_: Round, stage: str) -> list[TemplateItem]:
    template = round_.scoresheet_template or {}
    key = TEMPLATE_KEY[stage]
    return parse_template(template.get(key) or template.get("city") or {})


def expert_scope(qs: QuerySet, user) -> QuerySet:
    """Experts see only the cases they score: assigned to a panel they sit on, either to the
    whole panel or to them by name, and not one they are conflicted on (SPEC §1, the one rule
    of ``conflicts.ConflictIndex``). A constant number of queries, whatever the number of cases."""
    scoring = Assignment.objects.filter(
        application=OuterRef("pk"), panel__members__expert=user
    ).filter(Q(experts=user) | Q(experts__isnull=True))
    candidates = list(
        Application.objects.filter(Exists(scoring))
        .exclude(state="draft")
        .select_related("institution")
    )
    index = ConflictIndex.for_applications(candidates, experts=[user])
    allowed = [a.pk for a in candidates if not index.conflicted_anywhere(user, a)]
    return qs.filter(pk__in=allowed)


def experts_for(assignment: Assignment) -> list:
    """The experts who score this assignment: the chosen ones, or every panel member."""
    chosen = list(assignment.experts.all())
    if chosen:
        return chosen
    return [member.expert for member in assignment.panel.members.all()]


def assignment_for(expert, application: Application) -> Assignment | None:
    """The assignment through which ``expert`` may review ``application`` (None: not on it).

    An expert who scored the case at the city and sits on the provincial selection panel too
    works on the stage the case is in now: that assignment comes first."""
    assignments = Assignment.objects.filter(application=application).select_related("panel")
    mine = [
        assignment
        for assignment in assignments.prefetch_related("experts", "panel__members__expert")
        if expert in experts_for(assignment)
    ]
    if not mine:
        return None
    current = stage_now(application)
    return next((a for a in mine if a.panel.stage == current), mine[0])


@dataclass
class RankedRow:
    rank: int
    application: Application
    aggregate: Aggregate
    recommendation: ReviewStage | None
    # The decisions the viewing user may take on the case now (a page fills them in).
    decisions: list = field(default_factory=list)

    @property
    def professionalism(self) -> Decimal:
        return self.aggregate.dimensions.get(PROFESSIONALISM, Decimal(0))


# What the ranking page shows of a case and the conflict rule reads of its institution: the
# rest of the two rows' columns were a third of the query's time at 1,000 cases (issue 12).
PAGE_FIELDS = (
    "round_id",
    "receiving_agency_id",
    "state",
    "acknowledgement_no",
    "submitted_at",
    "institution__name",
    "institution__uscc",
    "institution__contact_email",
    "institution__contact_phone",
)


def ranked(
    agency: Agency, round_: Round, stage: str | None = None, *, with_occupations: bool = True
) -> list[RankedRow]:
    """Every application received by ``agency`` in ``round_`` with submitted scoresheets at
    ``stage`` (default: the agency's first instance), ranked.

    Constant number of queries: applications with their submitted scoresheets and decisions
    (and their occupation lines unless ``with_occupations`` is false: the ranking page does not
    show them, and they were a fifth of its time at 1,000 cases, issue 12). Without them, only
    the columns the ranking page and the conflict rule read are loaded (``PAGE_FIELDS``).
    """
    stage = stage or first_instance_stage(agency)
    cases = cases_at(agency, round_, stage).exclude(state__in=["draft", "withdrawn"])
    applications = cases.select_related("institution")
    if stage == Stage.PROVINCE_SELECTION:  # the cases of every city: the table names the city
        applications = applications.select_related("receiving_agency")
    if with_occupations:
        applications = applications.prefetch_related("occupations__occupation")
    else:
        applications = applications.only(*PAGE_FIELDS)
    applications = list(applications)
    if stage != Stage.PROVINCE_SELECTION:  # all received by ``agency``: no join, no instances
        for application in applications:
            application.receiving_agency = agency
    # One query with the cases as a subquery (a prefetch sent a thousand ids, issue 12).
    decisions = {
        d.application_id: d
        for d in ReviewStage.objects.filter(stage=stage, application__in=cases.values("pk"))
    }
    scored = stage_aggregates(agency, round_, stage, applications)
    aggregates = {a.pk: (a, scored[a.pk]) for a in applications if a.pk in scored}
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
        rows.append(RankedRow(position, application, agg, decisions.get(application.pk)))
    return rows


def stage_aggregates(
    agency: Agency, round_: Round, stage: str, applications: list[Application], *, one: bool = False
) -> dict[int, Aggregate]:
    """The aggregate of each of ``applications`` (institutions loaded) from the submitted
    sheets of ``agency``'s panel at ``stage`` that count (conflicted experts' dropped, an
    absence from the defense applied); cases without a counted sheet are left out. ``one``:
    ``applications`` is one case, whose sheets alone are read. A constant number of queries."""
    items = template_for(round_, stage)
    only = [a.pk for a in applications] if one else None
    sheets = submitted_sheets(agency, round_, stage, only)
    for application in applications:
        application.sheets = sheets.get(application.pk, [])
    drop_conflicted(applications)
    absent = absent_from_defense(round_) if stage == Stage.PROVINCE_SELECTION else set()
    aggregates = {}
    for application in applications:
        if application.sheets:
            scores = counted_scores(
                round_, stage, items, application.sheets, application.pk in absent
            )
            aggregates[application.pk] = aggregate(
                scores, items, round_.aggregation, round_.dispersion_threshold
            )
    return aggregates


class SheetScores(NamedTuple):
    """What ranking reads of a submitted scoresheet (no model instance: at 1,000 cases the
    3,000 Scoresheet objects were a third of the ranking's time, issue 12)."""

    panel_id: int
    expert_id: int
    scores: dict


def submitted_sheets(
    agency: Agency, round_: Round, stage: str, application_ids: list[int] | None = None
) -> dict[int, list[SheetScores]]:
    """The submitted scoresheets of ``agency``'s panel at ``stage`` of ``round_``, per
    application id (of ``application_ids`` only, when given), in one query."""
    sheets = Scoresheet.objects.filter(
        status=Scoresheet.Status.SUBMITTED,
        panel__agency=agency,
        panel__round=round_,
        panel__stage=stage,
    )
    if application_ids is not None:
        sheets = sheets.filter(application_id__in=application_ids)
    rows = sheets.values_list("application_id", "panel_id", "expert_id", "scores")
    by_application: dict[int, list[SheetScores]] = {}
    for application_id, panel_id, expert_id, scores in rows.order_by("pk"):
        by_application.setdefault(application_id, []).append(
            SheetScores(panel_id, expert_id, scores)
        )
    return by_application


@dataclass(frozen=True)
class DefenseRules:
    """How the provincial selection's on-site defense changes the scores (N-4.1.3): which
    cases of a round were absent, and a sheet's scores as they count for an absent case.
    ``selection`` registers them (``register_defense_rules``): review does not import it."""

    absent_ids: Callable[[Round], set[int]]
    adjusted_scores: Callable[[dict, bool, list[TemplateItem], str], dict]


_defense_rules: list[DefenseRules] = []


def register_defense_rules(rules: DefenseRules) -> None:
    _defense_rules[:] = [rules]


def defense_rules() -> DefenseRules:
    if not _defense_rules:
        raise ImproperlyConfigured("No defense rules registered (the selection app is missing).")
    return _defense_rules[0]


def absent_from_defense(round_: Round) -> set[int]:
    return defense_rules().absent_ids(round_)


def counted_scores(
    round_: Round, stage: str, items: list[TemplateItem], sheets, absent: bool
) -> list[dict]:
    """The experts' scores as they count: at the provincial selection, a case absent from its
    defense gets what the round's absence rule says for the defense items (N-4.1.3)."""
    if stage != Stage.PROVINCE_SELECTION:
        return [sheet.scores for sheet in sheets]
    adjusted = defense_rules().adjusted_scores
    return [adjusted(sheet.scores, absent, items, round_.absence_scoring) for sheet in sheets]


def drop_conflicted(applications: list[Application]) -> None:
    """Remove from each ``application.sheets`` the sheets of experts conflicted on its panel."""
    experts = {sheet.expert_id for a in applications for sheet in a.sheets}
    index = ConflictIndex.for_applications(applications, experts=experts)
    for application in applications:
        application.sheets = [
            s
            for s in application.sheets
            if not index.is_conflicted(s.panel_id, s.expert_id, application)
        ]


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


def panel_of(agency: Agency, round_: Round, stage: str | None = None) -> Panel | None:
    stage = stage or first_instance_stage(agency)
    return Panel.objects.filter(agency=agency, round=round_, stage=stage).first()


def selection_rounds() -> list[Round]:
    """Rounds in which cities sent cases to the provincial selection, newest first."""
    rounds = Round.objects.filter(
        applications__review_stages__stage=Stage.PROVINCE_SELECTION
    ).distinct()
    return list(rounds.order_by("-published_on", "-pk"))


def cases_at(agency: Agency, round_: Round, stage: str) -> QuerySet:
    """The cases ``agency`` reviews at ``stage`` in ``round_``: those it received for its first
    instance, or, for the provincial selection, every case the cities sent (SPEC §6.3)."""
    if stage == Stage.PROVINCE_SELECTION:
        return Application.objects.filter(
            round=round_, review_stages__stage=Stage.PROVINCE_SELECTION
        )
    return Application.objects.filter(round=round_, receiving_agency=agency)


def selection_panel(round_: Round, actor) -> Panel:
    """The provincial center's selection panel of ``round_`` (N-4.1.3), created and audited on
    first use."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from evalorg.core import audit

    center = Agency.objects.get(kind=Agency.Kind.PROVINCE)
    stage = Stage.PROVINCE_SELECTION
    name = _("%(agency)s%(year)s年%(stage)s专家评审组") % {
        "agency": center.name,
        "year": round_.year,
        "stage": Stage(stage).label,
    }
    with transaction.atomic():
        panel, created = Panel.objects.get_or_create(
            agency=center, round=round_, stage=stage, defaults={"name": name}
        )
        if created:
            audit.record(
                "panel_created",
                panel,
                actor=actor,
                data={"agency": center.pk, "round": round_.pk, "stage": stage},
                audience=audit.Audience.STAFF,
            )
    return panel


def with_city_results(qs: QuerySet) -> QuerySet:
    """Annotate the first-instance score, rank and decision (one query for the whole page)."""
    first = ReviewStage.objects.filter(
        application=OuterRef("pk"), stage__in=FIRST_INSTANCE_STAGES
    ).order_by("opened_at")
    return qs.annotate(
        city_total=Subquery(first.values("total")[:1]),
        city_rank=Subquery(first.values("rank")[:1]),
        city_recommended=Subquery(first.values("recommended")[:1]),
        city_sent_at=Subquery(first.values("sent_at")[:1]),
    )


def major_group_names() -> dict[int, str]:
    majors = Occupation.objects.filter(level=Occupation.Level.MAJOR)
    return dict(majors.values_list("major_group", "name"))
