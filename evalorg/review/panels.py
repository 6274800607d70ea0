"""Staff pages of the expert panels (N-4.1.2): pool, members, assignments, conflicts, reopening.

One panel per agency, round and stage (the agency's first instance here; the provincial
selection stage adds its own), created the first time the page is opened. The page keeps a
constant number of SQL queries whatever the number of assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Agency, Role, User
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications.models import Application, State
from evalorg.catalog.models import Occupation
from evalorg.core import audit
from evalorg.core.actions import run_transition
from evalorg.core.workflow import Transition, available_actions
from evalorg.institutions.masking import mask_email, mask_phone
from evalorg.rounds.models import Round

from .conflicts import ConflictIndex
from .forms import AssignForm, MemberForm, ReasonForm
from .models import Assignment, ConflictDeclaration, Panel, PanelMember, Scoresheet, Stage
from .scoring import TRIM_MINIMUM, TemplateItem, sheet_total
from .services import (
    MIN_PANEL_SIZE,
    agency_rounds,
    cases_at,
    first_instance_stage,
    panel_of,
    pick_round,
    selection_panel,
    selection_rounds,
    template_for,
)

# The refusal of the role check, said once for the decorator and the helper.
PANELS_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以管理评审组。")

# Where experts may still score: verified at the city (or at the provincial center for the
# cases routed to it), and province_review for the provincial selection.
SCORING_STATES = frozenset({State.VERIFIED, State.PROVINCE_REVIEW})


def scoring_open(application: Application) -> bool:
    return application.state in SCORING_STATES


# ---- who, which round, which panel ----------------------------------------------------------


def _agency(request: HttpRequest) -> Agency:
    if not has_role(request.user, Role.REVIEWING_STAFF) or request.user.agency_id is None:
        raise PermissionDenied(PANELS_ONLY)
    return request.user.agency


# The state in which a case can be given to a panel of each stage.
ASSIGNABLE_STATE = {
    Stage.CITY_ASSESSMENT: State.VERIFIED,
    Stage.PROVINCE_FIRST_INSTANCE: State.VERIFIED,
    Stage.PROVINCE_SELECTION: State.PROVINCE_REVIEW,
}


def _stage(request: HttpRequest, agency: Agency) -> str:
    """The stage whose panel the page manages: the agency's first instance, or, for the
    provincial center asking for it, the provincial selection (N-4.1.3)."""
    asked = request.GET.get("stage") or request.POST.get("stage")
    if asked == Stage.PROVINCE_SELECTION and agency.kind == Agency.Kind.PROVINCE:
        return Stage.PROVINCE_SELECTION
    return first_instance_stage(agency)


def _rounds(request: HttpRequest, agency: Agency, stage: str) -> tuple[list[Round], Round | None]:
    rounds = selection_rounds() if stage == Stage.PROVINCE_SELECTION else agency_rounds(agency)
    return rounds, pick_round(rounds, request.GET.get("round"))


def assignable_cases(panel: Panel):
    """Cases of the panel's stage waiting for a panel (verified at the first instance, sent
    to the province for the selection)."""
    return cases_at(panel.agency, panel.round, panel.stage).filter(
        state=ASSIGNABLE_STATE[panel.stage]
    )


def _panel_for(agency: Agency, round_: Round, actor) -> Panel:
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


def _own_panel(request: HttpRequest, pk: int) -> Panel:
    """A panel of the user's agency; another agency's panel does not exist for them (404)."""
    agency = _agency(request)
    return get_object_or_404(Panel.objects.select_related("round", "agency"), pk=pk, agency=agency)


def _back(panel: Panel) -> HttpResponse:
    return redirect(_url(panel))


def _url(panel: Panel) -> str:
    url = f"{reverse('panels:list')}?round={panel.round_id}"
    if panel.stage == Stage.PROVINCE_SELECTION:
        url += f"&stage={panel.stage}"
    return url


# ---- what the page shows --------------------------------------------------------------------


def candidate_experts(agency: Agency) -> QuerySet[User]:
    """The experts an agency may seat on its panels: its own pool (``pool_agency``) and the
    central one (experts added centrally, without a pool agency); never another city's pool,
    which only that city's staff see (SPEC §1, N-4.1.2)."""
    return User.objects.filter(role=Role.EXPERT, is_active=True).filter(
        Q(expert_profile__pool_agency=agency) | Q(expert_profile__pool_agency__isnull=True)
    )


def major_group_names() -> dict[int, str]:
    majors = Occupation.objects.filter(level=Occupation.Level.MAJOR)
    return dict(majors.values_list("major_group", "name"))


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


@role_required(Role.REVIEWING_STAFF, message=PANELS_ONLY)
def panel_list(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    stage = _stage(request, agency)
    rounds, round_ = _rounds(request, agency, stage)
    context: dict = {
        "agency": agency,
        "rounds": rounds,
        "round": round_,
        "stage": stage,
        "is_center": agency.kind == Agency.Kind.PROVINCE,
    }
    if round_ is not None:
        if stage == Stage.PROVINCE_SELECTION:
            panel = selection_panel(round_, request.user)
        else:
            panel = _panel_for(agency, round_, request.user)
        context.update(panel_context(panel))
        for row in context["rows"]:
            for scorer in row.scorers:
                if scorer.sheet is not None:
                    scorer.sheet.panel = panel
                    scorer.actions = available_actions(scorer.sheet, request.user)
    return render(request, "review/panels/list.html", context)


@login_required
@require_POST
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _own_panel(request, pk)
    form = MemberForm(request.POST, experts=candidate_experts(panel.agency))
    if not form.is_valid():
        _errors(request, form)
        return _back(panel)
    expert = form.cleaned_data["expert"]
    with transaction.atomic():
        _member, created = PanelMember.objects.get_or_create(panel=panel, expert=expert)
        if created:
            audit.record(
                "panel_member_added", panel, actor=request.user, data={"expert": expert.pk}
            )
    messages.success(request, _("已将%(name)s加入评审组。") % {"name": expert.display_name})
    return _back(panel)


@login_required
@require_POST
def remove_member(request: HttpRequest, pk: int, expert_pk: int) -> HttpResponse:
    panel = _own_panel(request, pk)
    member = get_object_or_404(
        PanelMember.objects.select_related("expert"), panel=panel, expert_id=expert_pk
    )
    name = member.expert.display_name
    if Scoresheet.objects.filter(panel=panel, expert_id=expert_pk).exists():
        messages.error(request, _("%(name)s已填写本评审组的评估表，不能移出。") % {"name": name})
        return _back(panel)
    if panel.assignments.filter(experts__pk=expert_pk).exists():
        messages.error(
            request,
            _("%(name)s是部分申请的指定评分专家，请先撤销这些分配再移出。") % {"name": name},
        )
        return _back(panel)
    with transaction.atomic():
        member.delete()
        audit.record("panel_member_removed", panel, actor=request.user, data={"expert": expert_pk})
    messages.success(request, _("已将%(name)s移出评审组。") % {"name": name})
    return _back(panel)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _own_panel(request, pk)
    members = User.objects.filter(pk__in=panel.members.values("expert_id"))
    form = AssignForm(request.POST, members=members)
    if not form.is_valid():
        _errors(request, form)
        return _back(panel)
    application = get_object_or_404(
        assignable_cases(panel).select_related("institution"), pk=form.cleaned_data["application"]
    )
    experts = list(form.cleaned_data["experts"])
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(panel=panel, application=application)
        if not created:
            messages.error(request, _("该申请已分配给本评审组。"))
            return _back(panel)
        assignment.experts.set(experts)
        audit.record(
            "application_assigned",
            application,
            actor=request.user,
            data={"panel": panel.pk, "experts": [e.pk for e in experts]},
            audience=audit.Audience.INTERNAL,
        )
    messages.success(
        request, _("已将%(name)s分配给评审组。") % {"name": application.institution.name}
    )
    return _back(panel)


@login_required
@require_POST
def unassign(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    panel = _own_panel(request, pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("application"), pk=assignment_pk, panel=panel
    )
    application = assignment.application
    if Scoresheet.objects.filter(panel=panel, application=application).exists():
        messages.error(request, _("已有专家填写该申请的评估表，不能撤销分配。"))
        return _back(panel)
    with transaction.atomic():
        assignment.delete()
        audit.record(
            "application_unassigned",
            application,
            actor=request.user,
            data={"panel": panel.pk},
            audience=audit.Audience.INTERNAL,
        )
    messages.success(request, _("已撤销分配。"))
    return _back(panel)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    """A staff action on one submitted scoresheet of the panel (``reopen_scoresheet``: send it
    back to its expert with a reason), moved by ``perform()``."""
    panel = _own_panel(request, pk)
    sheet = get_object_or_404(
        Scoresheet.objects.select_related("application__institution", "expert"),
        pk=sheet_pk,
        panel=panel,
    )
    action = request.POST.get("action") or "reopen_scoresheet"
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return _back(panel)
    return run_transition(
        request,
        sheet,
        action,
        back=_url(panel),
        data={"reason": form.cleaned_data["reason"]},
        success=_("已将%(name)s的评估表退回修改。") % {"name": sheet.expert.display_name},
    )


def _errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
