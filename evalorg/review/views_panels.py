"""Staff pages of the expert panels (N-4.1.2): members, assignments, conflicts, reopening.

The rows and the panel itself come from ``panels``; these views check who asks, act and
redirect. The page keeps a constant number of SQL queries whatever the number of assignments.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Agency, Role, User
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core import audit
from evalorg.core.actions import run_transition
from evalorg.core.workflow import available_actions
from evalorg.rounds.models import Round

from .expert_pool import add_expert
from .forms import AssignForm, ExpertForm, MemberForm, ReasonForm
from .models import Assignment, Panel, PanelMember, Scoresheet, Stage
from .panels import (
    assignable_cases,
    candidate_experts,
    expert_row,
    panel_context,
    panel_for,
)
from .services import (
    agency_rounds,
    first_instance_stage,
    major_group_names,
    pick_round,
    selection_panel,
    selection_rounds,
)

# The refusal of the role check, said once for the decorator and the helper.
PANELS_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以管理评审组。")


def _agency(request: HttpRequest) -> Agency:
    if not has_role(request.user, Role.REVIEWING_STAFF) or request.user.agency_id is None:
        raise PermissionDenied(PANELS_ONLY)
    return request.user.agency


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
            panel = panel_for(agency, round_, request.user)
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


def _pool_agency(request: HttpRequest) -> Agency:
    if not has_role(request.user, Role.REVIEWING_STAFF) or request.user.agency_id is None:
        raise PermissionDenied(
            _("仅地市评价指导机构和省职业技能服务指导中心可以管理本机构专家库。")
        )
    return request.user.agency


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """The agency's own pool and the form to add an expert to it."""
    agency = _pool_agency(request)
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = add_expert(agency, form.cleaned_data, request.user, request)
        messages.success(
            request,
            _("已将%(name)s加入本机构专家库，账号开通邮件已发送至 %(email)s。")
            % {"name": user.full_name, "email": user.email},
        )
        return redirect("panels:experts")
    names = major_group_names()
    experts = (
        User.objects.filter(expert_profile__pool_agency=agency)
        .select_related("expert_profile__city")
        .order_by("full_name", "pk")
    )
    return render(
        request,
        "review/panels/experts.html",
        {"agency": agency, "form": form, "rows": [expert_row(u, names) for u in experts]},
        status=400 if request.method == "POST" else 200,
    )
