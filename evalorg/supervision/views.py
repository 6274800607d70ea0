"""Assessment plan pages (N-5.2): the organization's list, new plan, edit of a returned plan
and results; the local agency's list; the supervisor's list; one plan page for all three,
whose buttons come from ``available_actions``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.audit import Audience
from evalorg.core.workflow import Refusal, available_actions, lock, perform
from evalorg.institutions.models import institution_of

from .forms import PlanForm, ReportForm, ResultsForm
from .models import AssessmentPlan
from .plans import (
    create_plan,
    filed_lines,
    get_for_user,
    plans_of_agency,
    plans_of_organization,
    plans_of_supervisor,
    resubmit,
    with_rows,
)
from .roster import replace_roster, roster_xlsx
from .transitions import FILE_REPORT

PLAN_READERS = (Role.APPLICANT, Role.AGENCY_STAFF, Role.EXPERT)
# Actions posted to ``plan_action``; results, resubmission and the report have their forms.
SIMPLE_ACTIONS = {"accept_plan", "return_plan", "urge_results"}


def _plan_url(plan: AssessmentPlan) -> str:
    return reverse("supervision:plan", args=[plan.pk])


@role_required(Role.APPLICANT)
def plans(request: HttpRequest) -> HttpResponse:
    rows = with_rows(plans_of_organization(request.user))
    return render(request, "supervision/plans.html", {"plans": rows})


@role_required(Role.APPLICANT)
def plan_new(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request.user)
    if institution is None:
        raise PermissionDenied
    form = PlanForm(request.POST or None, lines=filed_lines(institution))
    if request.method == "POST" and form.is_valid():
        return run(
            request,
            lambda: create_plan(request.user, institution, form.plan_data()),
            back=reverse("supervision:plan_new"),
            success=_("认定计划已提交，等待属地监管机构受理。"),
            done_url=_plan_url,
            refused=lambda refusals: _form_page(request, form, refusals),
        )
    return _form_page(request, form, [])


def _form_page(request: HttpRequest, form: PlanForm, refusals: list[Refusal]) -> HttpResponse:
    for refusal in refusals:
        form.add_error(None, refusal.shown)
    return render(request, "supervision/plan_form.html", {"form": form, "plan": form.instance})


@role_required(*PLAN_READERS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, get_for_user(request.user, pk))


def _plan_page(
    request: HttpRequest,
    plan: AssessmentPlan,
    results_form: ResultsForm | None = None,
    report_form: ReportForm | None = None,
) -> HttpResponse:
    actions = available_actions(plan, request.user)
    offered = {a.action for a in actions}
    if "report_results" in offered:
        results_form = results_form or ResultsForm()
    if "file_supervision_report" in offered:
        report_form = report_form or ReportForm()
    context = {
        "plan": plan,
        "actions": [a for a in actions if a.action in SIMPLE_ACTIONS],
        "results_form": results_form if "report_results" in offered else None,
        "report_form": report_form if "file_supervision_report" in offered else None,
        "can_edit": "resubmit_plan" in offered,
        "report_confirm": FILE_REPORT.confirm,
        "roster": plan.roster.all() if plan.candidates is not None else [],
        "may_download": _may_download(request, plan),
        # The organization never learns who supervises it.
        "show_supervisor": not has_role(request.user, Role.APPLICANT),
    }
    status = (
        400
        if (results_form and results_form.errors) or (report_form and report_form.errors)
        else 200
    )
    return render(request, "supervision/plan.html", context, status=status)


@require_POST
@role_required(Role.REVIEWING_STAFF)
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = get_for_user(request.user, pk)
    if action not in SIMPLE_ACTIONS:
        return redirect(_plan_url(plan))
    return run_transition(
        request,
        plan,
        action,
        back=_plan_url(plan),
        data={"reason": request.POST.get("reason", "")},
    )


@role_required(Role.APPLICANT)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request.user, pk)
    if "resubmit_plan" not in {a.action for a in available_actions(plan, request.user)}:
        return redirect(_plan_url(plan))  # only a returned plan is edited
    lines = filed_lines(plan.institution)
    form = PlanForm(request.POST or None, instance=plan, lines=lines)
    if request.method == "POST" and form.is_valid():
        data = form.plan_data()
        return run(
            request,
            lambda: resubmit(request.user, AssessmentPlan.objects.get(pk=pk), data),
            back=reverse("supervision:plan_edit", args=[pk]),
            success=_("认定计划已重新提交。"),
            done_url=_plan_url,
            refused=lambda refusals: _form_page(request, form, refusals),
        )
    return _form_page(request, form, [])


@require_POST
@role_required(Role.APPLICANT)
def plan_results(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request.user, pk)
    form = ResultsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _plan_page(request, plan, results_form=form)
    data = form.cleaned_data

    @transaction.atomic
    def report() -> AssessmentPlan:
        locked = lock(plan, "report_results")
        locked.candidates, locked.passed = data["candidates"], data["passed"]
        locked.certificates = data["certificates"]
        locked.save(update_fields=["candidates", "passed", "certificates"])
        replace_roster(locked, data["roster"])
        return perform(locked, "report_results", request.user)

    return run(
        request,
        report,
        back=_plan_url(plan),
        success=_("认定结果已报告。"),
    )


@require_POST
@role_required(Role.EXPERT)
def plan_report(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request.user, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, plan, report_form=form)
    return run_transition(
        request, plan, "file_supervision_report", back=_plan_url(plan), data=form.report_data()
    )


def _may_download(request: HttpRequest, plan: AssessmentPlan) -> bool:
    return plan.candidates is not None and not has_role(request.user, Role.EXPERT)


@role_required(Role.APPLICANT, Role.AGENCY_STAFF)
def roster_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The full roster (identity numbers in clear): every read is audited for staff."""
    plan = get_for_user(request.user, pk)
    if not _may_download(request, plan):
        return redirect(_plan_url(plan))
    content = roster_xlsx(plan)
    audit.record(
        "assessment_roster_read",
        plan,
        actor=request.user,
        data={"rows": plan.roster.count()},
        audience=Audience.STAFF,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="roster-{plan.pk}.xlsx"'
    return response


@role_required(Role.AGENCY_STAFF)
def agency_plans(request: HttpRequest) -> HttpResponse:
    rows = with_rows(plans_of_agency(request.user))
    status = request.GET.get("status", "")
    if status in AssessmentPlan.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "supervision/agency_plans.html",
        {"plans": rows, "status": status, "statuses": AssessmentPlan.Status.choices},
    )


@role_required(Role.EXPERT)
def supervisor_plans(request: HttpRequest) -> HttpResponse:
    rows = with_rows(plans_of_supervisor(request.user))
    return render(request, "supervision/supervisor_plans.html", {"plans": rows})
