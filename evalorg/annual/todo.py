"""The to-do source of annual reports (N-5.2): the organization's report of last year from
1 January (not stored yet: a draft offered to be written), with the due date as its deadline
and kept, overdue, until submitted; its drafts and returned reports; the local agency's
submitted reports to accept or return."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import clock
from evalorg.core.todo import Source, Stage
from evalorg.core.workflow import Transition
from evalorg.filing.registry import local_agency

from .models import AnnualReport
from .reports import due_date, owed_years, reports_for, with_rows


def scope(user: Any) -> list[AnnualReport]:
    stored = list(with_rows(reports_for(user)))
    if not has_role(user, Role.APPLICANT):
        return stored
    return stored + _last_year_unstarted(user, stored)


def _last_year_unstarted(user: Any, stored: list[AnnualReport]) -> list[AnnualReport]:
    """Last year's report while it is owed and not started (two queries)."""
    membership = getattr(user, "membership", None)
    year = clock.today().year - 1
    if membership is None or any(r.year == year for r in stored):
        return []
    if year not in owed_years(membership.institution_id):
        return []
    agency = local_agency(membership.institution_id)
    if agency is None:
        return []
    institution = membership.institution
    return [AnnualReport(institution=institution, agency=agency, year=year, figures={})]


def deadline(report: AnnualReport) -> date | None:
    return due_date(report.year)


def title(report: AnnualReport) -> str:
    return f"{report.institution.name} · {report.year}年度报告（{report.get_status_display()}）"


def link(report: AnnualReport, transition: Transition) -> str:
    if report.pk is None:
        return reverse("annual:year", args=[report.year])
    return reverse("annual:report", args=[report.pk])


REPORT_SOURCE = Source(
    model=AnnualReport,
    scope=scope,
    link=link,
    stage=Stage.SUPERVISION,
    deadline=deadline,
    title=title,
)
