"""Expert panels (N-4.1.2): the panel of an agency and round, the experts it may seat, its rows
(members, assignments, conflicts) for the page ``views_panels``.

One panel per agency, round and stage (the agency's first instance here; the provincial
selection stage adds its own), created the first time the page is opened. The page keeps a
constant number of SQL queries whatever the number of assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications.models import Application, State
from evalorg.core import audit
from evalorg.core.workflow import Transition
from evalorg.institutions.masking import mask_email, mask_phone
from evalorg.rounds.models import Round

from .conflicts import ConflictIndex
from .forms import ReasonForm
from .models import Assignment, ConflictDeclaration, Panel, PanelMember, Scoresheet, Stage
from .scoring import TRIM_MINIMUM, TemplateItem, sheet_total
from .services import (
    MIN_PANEL_SIZE,
    cases_at,
    first_instance_stage,
    major_group_names,
    panel_of,
    template_for,
)

# Where experts may still score: verified at the city (or at the provincial center for the
# cases routed to it), and province_review for the provincial selection.
SCORING_STATES = frozenset({State.VERIFIED, State.PROVINCE_REVIEW})


def scoring_open(application: Application) -> bool:
    return application.state in SCORING_STATES


# ---- who, which round, which panel ----------------------------------------------------------


# The state in which a case can be given to a panel of each stage.
ASSIGNABLE_STATE = {
    Stage.CITY_ASSESSMENT: State.VERIFIED,
    Stage.PROVINCE_FIRST_INSTANCE: State.VERIFIED,
    Stage.PROVINCE_SELECTION: State.PROVINCE_REVIEW,
}


def assignable_cases(panel: Panel):
    """Cases of the panel's stage waiting for a panel (verified at the first instance, sent
    to the province for the selection)."""
    return cases_at(panel.agency, panel.round, panel.stage).filter(
        state=ASSIGNABLE_STATE[panel.stage]
    )


def panel_for(agency: Agency, round_: Round, actor) -> Panel:
    """The agency's panel for the round, created (and audited) on first use."""
    panel = panel_of(agency, round_)
    if panel is not None:
        return panel
    stage = first_instance_stage(agency)
    name = _("%(agency)s%(year)s年%(stage)s专家评审组") % {
        "agency": agency.name,
        "year": round_.year,
        "stage": Stage(stage).label,
    }
    with transaction.atomic():
        panel, created = Panel.objects.get_or_create(
            agency=agency, round=round_, stage=stage, defaults={"name": name}
        )
        if created:
            audit.record(
                "panel_created",
                panel,
                actor=actor,
                data={"agency": agency.pk, "round": round_.pk, "stage": stage},
            )
    return panel


# ---- what the page shows --------------------------------------------------------------------


def candidate_experts(agency: Agency) -> QuerySet[User]:
    """The experts an agency may seat on its panels: its own pool (``pool_agency``) and the
    central one (experts added centrally, without a pool agency); never another city's pool,
    which only that city's staff see (SPEC §1, N-4.1.2)."""
    return User.objects.filter(role=Role.EXPERT, is_active=True).filter(
        Q(expert_profile__pool_agency=agency) | Q(expert_profile__pool_agency__isnull=True)
    )


@dataclass
class ExpertRow:
    user: User
    employer: str
    city: str
    title: str
    specialties: list[tuple[str, str]]
    phone: str
    email: str
    is_member: bool = False
    is_chair: bool = False


def expert_row(user: User, names: dict[int, str]) -> ExpertRow:
    profile = getattr(user, "expert_profile", None)
    groups = []
    for group in (profile.specialties if profile else []) or []:
        try:
            number = int(group)
        except (TypeError, ValueError):
            continue
        groups.append((_("第%(n)s大类") % {"n": number}, names.get(number, "")))
    return ExpertRow(
        user=user,
        employer=profile.employer_name if profile else "",
        city=str(profile.city) if profile and profile.city_id else "",
        title=profile.title if profile else "",
        specialties=groups,
        phone=mask_phone(user.phone),
        email=mask_email(user.email),
    )


@dataclass
class ScorerRow:
    expert: User
    declaration: ConflictDeclaration | None
    detected: str
    conflicted: bool
    sheet: Scoresheet | None
    total: Decimal | None
    # The staff's actions on the sheet now (``available_actions``), filled in per user.
    actions: list[Transition] = field(default_factory=list)


@dataclass
class AssignmentRow:
    assignment: Assignment
    application: Application
    chosen: bool
    scorers: list[ScorerRow] = field(default_factory=list)

    @property
    def cleared_count(self) -> int:
        return sum(1 for s in self.scorers if not s.conflicted)

    @property
    def has_sheets(self) -> bool:
        return any(s.sheet for s in self.scorers)

    @property
    def submitted_count(self) -> int:
        return sum(1 for s in self.scorers if s.sheet and s.sheet.status == "submitted")


def assignment_rows(
    panel: Panel, members: list[PanelMember], items: list[TemplateItem]
) -> list[AssignmentRow]:
    assignments = list(
        panel.assignments.select_related("application__institution")
        .prefetch_related("experts__expert_profile")
        .order_by("application__submitted_at", "pk")
    )
    sheets = {(s.application_id, s.expert_id): s for s in Scoresheet.objects.filter(panel=panel)}
    everyone = [m.expert for m in members]
    chosen_ones = {e for a in assignments for e in a.experts.all()}
    index = ConflictIndex.for_applications(
        [a.application for a in assignments], experts=set(everyone) | chosen_ones
    )
    rows = []
    for assignment in assignments:
        application = assignment.application
        chosen = list(assignment.experts.all())  # as services.experts_for: chosen, else all
        row = AssignmentRow(assignment, application, chosen=bool(chosen))
        for expert in chosen or everyone:
            key = (application.pk, expert.pk)
            sheet = sheets.get(key)
            row.scorers.append(
                ScorerRow(
                    expert=expert,
                    declaration=index.declaration(panel.pk, expert, application),
                    detected=index.detected(panel.pk, expert, application),
                    conflicted=index.is_conflicted(panel.pk, expert, application),
                    sheet=sheet,
                    total=sheet_total(sheet.scores, items) if sheet else None,
                )
            )
        rows.append(row)
    return rows


def panel_context(panel: Panel) -> dict:
    items = template_for(panel.round, panel.stage)
    names = major_group_names()
    members = list(
        panel.members.select_related("expert__expert_profile__city").order_by(
            "-is_chair", "expert__full_name", "pk"
        )
    )
    member_rows = []
    for member in members:
        row = expert_row(member.expert, names)
        row.is_member, row.is_chair = True, member.is_chair
        member_rows.append(row)
    member_ids = {m.expert_id for m in members}
    pool = [
        expert_row(user, names)
        for user in candidate_experts(panel.agency)
        .exclude(pk__in=member_ids)
        .select_related("expert_profile__city")
        .order_by("full_name", "username")
    ]
    assignable = (
        assignable_cases(panel)
        .exclude(assignments__panel=panel)
        .select_related("institution")
        .order_by("submitted_at", "pk")
    )
    trimmed = panel.round.aggregation == Round.Aggregation.TRIMMED_MEAN
    return {
        "panel": panel,
        "members": member_rows,
        "pool": pool,
        "rows": assignment_rows(panel, members, items),
        "assignable": list(assignable),
        "too_small": len(members) < MIN_PANEL_SIZE,
        "below_trim": trimmed and len(members) < TRIM_MINIMUM,
        "min_size": MIN_PANEL_SIZE,
        "trim_minimum": TRIM_MINIMUM,
        "reason_form": ReasonForm(),
    }


# ---- pages ----------------------------------------------------------------------------------
