"""The report page and its XLSX (issue 13): the department and the provincial center only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core import audit, clock
from evalorg.core.replica import from_replica, replica_view
from evalorg.rounds.models import Round

from . import after_filing, figures, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The refusal of the role check, said once for the decorator and the helper.
READERS_ONLY = _lazy("统计报表仅向省人社厅和省职业技能服务指导中心开放。")


def _allowed(request: HttpRequest) -> None:
    if not (request.user.is_superuser or has_role(request.user, Role.REPORT_READERS)):
        raise PermissionDenied(READERS_ONLY)


def _round(request: HttpRequest) -> Round | None:
    """The chosen round; none (all rounds) when absent or unknown."""
    code = request.GET.get("round", "")
    return Round.objects.filter(code=code).first() if code else None


@role_required(Role.REPORT_READERS, message=READERS_ONLY)
@require_GET
@replica_view
def index(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    round_ = _round(request)
    report = figures.build(round_)
    return render(
        request,
        "reports/index.html",
        {
            "report": report,
            "rounds": Round.objects.order_by("-published_on"),
            "chosen": round_,
            "charts": figures.chart_data(report),
            "after": after_filing.build(round_),
            "inspection_columns": after_filing.inspection_columns(),
            "sanction_columns": after_filing.sanction_columns(),
            "complaint_columns": after_filing.complaint_columns(),
        },
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    round_ = _round(request)
    with from_replica():  # the figures only: the audit event below goes to the primary
        data = xlsx.workbook(figures.build(round_), after_filing.build(round_))
    audit.record(
        "report_exported",
        round_,
        actor=request.user,
        data={"round": round_.code if round_ else "all"},
        audience=audit.Audience.STAFF,
    )
    name = f"统计报表-{round_.code if round_ else '全部批次'}-{clock.today():%Y%m%d}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
