"""Annual report pages (N-5.2): the organization's years and its report of one year (written,
saved, submitted with the button the engine offers); one report page for the organization, its
local agency and the department, whose buttons come from ``available_actions``; the agency's
overview of who has submitted for a year, filtered and exported (CSV, XLSX)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.catalog.models import Division
from evalorg.core.actions import run, run_transition
from evalorg.core.workflow import Refusal, available_actions, perform
from evalorg.institutions.models import institution_of

from .export import EXPORT_FORMATS, export_response
from .figures import figures_for
from .forms import ReportForm
from .models import AnnualReport
from .reports import (
    EDITABLE_STATES,
    MISSING,
    chosen_year,
    due_date,
    get_for_user,
    overview,
    owed_years,
    report_of,
    reports_for,
    save_draft,
    status_label,
)
from .transitions import SUBMIT

PAGE_SIZE = 50
# Actions posted to ``report_action``; submitting goes with the form (``year``).
AGENCY_ACTIONS = {"accept_annual_report", "return_annual_report"}


def _url(report: AnnualReport) -> str:
    return reverse("annual:report", args=[report.pk])


def _institution(request: HttpRequest) -> Any:
    institution = institution_of(request.user)
    if institution is None:
        raise PermissionDenied
    return institution


@role_required(Role.APPLICANT)
def mine(request: HttpRequest) -> HttpResponse:
    """The years the organization owes a report for, each with its report's state."""
    institution = _institution(request)
    stored = {r.year: r for r in reports_for(request.user)}
    years = [
        {"year": year, "report": stored.get(year), "due": due_date(year)}
        for year in sorted(set(owed_years(institution.pk)) | set(stored), reverse=True)
    ]
    return render(request, "annual/mine.html", {"years": years})


@role_required(Role.APPLICANT)
def year(request: HttpRequest, year: int) -> HttpResponse:
    """The organization's report of ``year``: GET the form (or the stored report's page), POST
    save it (``save``) or save and submit it (``submit_annual_report``)."""
    report = report_of(_institution(request), year)
    if request.method != "POST":
        if report.pk is not None:
            return redirect(_url(report))
        return _page(request, report, ReportForm(instance=report))
    if report.status not in EDITABLE_STATES:
        return redirect(_url(report))
    form = ReportForm(request.POST, instance=report)
    if not form.is_valid():
        return _page(request, report, form, status=400)
    data = form.report_data()
    back = reverse("annual:year", args=[year])
    if request.POST.get("action") != SUBMIT.action:
        return run(
            request,
            lambda: save_draft(request.user, report, data),
            back=back,
            success=_("年度报告已保存（尚未提交）。"),
            done_url=_url,
        )

    @transaction.atomic
    def submit() -> AnnualReport:
        return perform(save_draft(request.user, report, data), SUBMIT.action, request.user)

    return run(
        request,
        submit,
        back=back,
        success=_("年度报告已提交，等待属地监管机构受理。"),
        done_url=_url,
        refused=lambda refusals: _page(request, report, form, refusals, status=400),
    )


def _page(
    request: HttpRequest,
    report: AnnualReport,
    form: ReportForm | None = None,
    refusals: list[Refusal] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = available_actions(report, request.user)
    offered = {a.action for a in actions}
    if SUBMIT.action in offered:
        form = form or ReportForm(instance=report)
        for refusal in refusals or []:
            form.add_error(None, refusal.shown)
    figures = report.figures or figures_for(report.institution_id, report.year)
    context = {
        "report": report,
        "figures": figures,
        "live": not report.figures,
        "due": due_date(report.year),
        "form": form if SUBMIT.action in offered else None,
        "submit": SUBMIT if SUBMIT.action in offered else None,
        "actions": [a for a in actions if a.action in AGENCY_ACTIONS],
    }
    return render(request, "annual/report.html", context, status=status)


@role_required(Role.APPLICANT, Role.AGENCY_STAFF)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_for_user(request.user, pk))


@require_POST
@role_required(Role.REVIEWING_STAFF)
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = get_for_user(request.user, pk)
    if action not in AGENCY_ACTIONS:
        return redirect(_url(found))
    return run_transition(
        request, found, action, back=_url(found), data={"reason": request.POST.get("reason", "")}
    )


def _filtered(request: HttpRequest) -> tuple[int, Any]:
    if not (has_role(request.user, Role.DEPARTMENT) or request.user.agency_id):
        raise PermissionDenied
    chosen = chosen_year(request.GET.get("year"))
    return chosen, overview(request.user, chosen, request.GET)


@role_required(Role.AGENCY_STAFF)
def agency(request: HttpRequest) -> HttpResponse:
    """Who has submitted the report of a year and who has not (N-5.2)."""
    chosen, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.report_label = status_label(row.report_status)
    filters = request.GET.copy()
    filters["year"] = str(chosen)
    last = chosen_year(None)
    return render(
        request,
        "annual/agency.html",
        {
            "page": page,
            "year": chosen,
            "years": list(range(last, last - 6, -1)),
            "params": request.GET,
            "filters": filters.urlencode(),
            "due": due_date(chosen),
            "statuses": [
                (MISSING, _("未提交")),
                *[
                    (value, label)
                    for value, label in AnnualReport.Status.choices
                    if value != AnnualReport.Status.DRAFT
                ],
            ],
            "cities": Division.objects.filter(
                level=Division.Level.PREFECTURE, code__startswith="44"
            ).order_by("code"),
        },
    )


@role_required(Role.AGENCY_STAFF)
def agency_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    chosen, rows = _filtered(request)
    return export_response(rows, chosen, fmt)
