"""The agencies' home page: last year's annual reports, how many of the organizations they
supervise have submitted, linked to the overview (N-5.2). The overview has no menu entry of
its own: the staff's navigation is kept to two rows at 1366 px."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.loader import render_to_string

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

from .models import AnnualReport
from .reports import chosen_year, due_date, overview

SENT = [AnnualReport.Status.SUBMITTED, AnnualReport.Status.ACCEPTED]


def annual_reports_due(request: HttpRequest) -> str | None:
    user = request.user
    if not has_role(user, Role.AGENCY_STAFF):
        return None
    if not (has_role(user, Role.DEPARTMENT) or user.agency_id):
        return None
    year = chosen_year(None)
    counts = overview(user, year, {}).aggregate(
        owed=Count("pk"), sent=Count("pk", filter=Q(report_status__in=SENT))
    )
    if not counts["owed"]:
        return None
    context = {"year": year, "due": due_date(year), **counts}
    return render_to_string("annual/_dashboard.html", context, request=request)
