"""Annual reports: which years an organization owes, its local agency, who sees which report,
saving a draft, and the agency's overview of who has submitted (N-5.2, 五(二)). The workflow
is in ``transitions.py``, the generated figures in ``figures.py``.

A report is owed for every calendar year in which the organization held a filing letter
(issued on or before 31 December, valid on or after 1 January), once the year is over. It is
due by ``DUE_MONTH``/``DUE_DAY`` of the next year (docs/decisions.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Refusal, TransitionRefused, lock
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency
from evalorg.institutions.models import Institution
from evalorg.rounds.simulated import not_simulated

from .models import AnnualReport

CLAUSE = "N-5.2"
S = AnnualReport.Status
# Reports are due by 31 March of the following year (a constant: docs/decisions.md).
DUE_MONTH, DUE_DAY = 3, 31
EDITABLE = ("quality_measures", "examiners_on_staff")
EDITABLE_STATES = (S.DRAFT, S.RETURNED)
# The agency overview's filter value for a report not submitted yet (none, or a draft).
MISSING = "missing"


def due_date(year: int) -> date:
    return date(year + 1, DUE_MONTH, DUE_DAY)


# ---- the years owed ---------------------------------------------------------------------------


def _letters() -> QuerySet[FilingLetter]:
    return FilingLetter.objects.filter(not_simulated("application__round__"))


def owed_years(institution_id: int, today: date | None = None) -> list[int]:
    """The finished calendar years in which the organization was filed, latest first."""
    today = today or clock.today()
    span = (
        _letters()
        .filter(application__institution_id=institution_id)
        .aggregate(first=Min("issued_on"), last=Max("valid_until"))
    )
    if span["first"] is None:
        return []
    last = min(span["last"].year, today.year - 1)
    return list(range(last, span["first"].year - 1, -1))


def filed_in(year: int) -> QuerySet[FilingLetter]:
    """Letters that held during some part of ``year``."""
    return _letters().filter(issued_on__lte=date(year, 12, 31), valid_until__gte=date(year, 1, 1))


# ---- who sees which reports -------------------------------------------------------------------


def with_rows(qs: QuerySet[AnnualReport]) -> QuerySet[AnnualReport]:
    return qs.select_related("institution__city", "agency")


def reports_for(user: Any) -> QuerySet[AnnualReport]:
    """The organization's own; the local agency's and, for the department, every one once
    submitted."""
    if not user.is_authenticated:
        return AnnualReport.objects.none()
    if has_role(user, Role.APPLICANT):
        membership = getattr(user, "membership", None)
        if membership is None:
            return AnnualReport.objects.none()
        return AnnualReport.objects.filter(institution_id=membership.institution_id)
    # Staff see a report once it is submitted: a draft is the organization's own.
    if has_role(user, Role.DEPARTMENT):
        return AnnualReport.objects.exclude(status=S.DRAFT)
    if has_role(user, Role.REVIEWING_STAFF) and user.agency_id is not None:
        return AnnualReport.objects.filter(agency_id=user.agency_id).exclude(status=S.DRAFT)
    return AnnualReport.objects.none()


def get_for_user(user: Any, pk: int) -> AnnualReport:
    report = with_rows(reports_for(user)).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


# ---- the organization's report of one year ----------------------------------------------------


def report_of(institution: Institution, year: int) -> AnnualReport:
    """The stored report of ``year``, or a new draft (not stored) for an owed year; 404 for a
    year not owed (not filed then, or not over yet)."""
    stored = with_rows(AnnualReport.objects.filter(institution=institution, year=year)).first()
    if stored is not None:
        return stored
    agency = local_agency(institution.pk)
    if agency is None or year not in owed_years(institution.pk):
        raise Http404
    return AnnualReport(
        institution=institution, year=year, agency=agency, status=S.DRAFT, figures={}
    )


@transaction.atomic
def save_draft(user: Any, report: AnnualReport, data: dict[str, Any]) -> AnnualReport:
    """Store the fields the organization writes (creating the report on its first save);
    refused once it is submitted or accepted."""
    if report.pk is None:
        report.created_by, report.created_at = user, clock.now()
        _set(report, data)
        report.save()
        audit.record(
            "annual_report_drafted",
            report,
            actor=user,
            to_state=report.status,
            data={"year": report.year},
            audience=Audience.APPLICANT,
        )
        return report
    locked = lock(report)
    if locked.status not in EDITABLE_STATES:
        raise TransitionRefused(
            [Refusal(CLAUSE, _("年度报告已提交，不能再修改。"))]  # someone submitted meanwhile
        )
    _set(locked, data)
    locked.save(update_fields=list(EDITABLE))
    return locked


def _set(report: AnnualReport, data: dict[str, Any]) -> None:
    for key in EDITABLE:
        setattr(report, key, data.get(key))
    report.quality_measures = str(report.quality_measures or "").strip()


# ---- the agency's overview: who has submitted and who has not ---------------------------------


def overview(user: Any, year: int, params: Any) -> QuerySet[Institution]:
    """The organizations that owe a report for ``year`` and that the user supervises (the
    local agency's; every one for the department), each annotated with its report's ``report_pk``
    and ``report_status`` (None: not started); filtered by ``status`` (``MISSING`` or a state),
    ``city`` and ``q`` (name). One query."""
    letters = filed_in(year).filter(application__institution_id=OuterRef("pk"))
    if not has_role(user, Role.DEPARTMENT):
        letters = letters.filter(application__receiving_agency_id=user.agency_id)
    report = AnnualReport.objects.filter(institution_id=OuterRef("pk"), year=year)
    rows = (
        Institution.objects.filter(Exists(letters))
        .annotate(
            report_pk=Subquery(report.values("pk")[:1]),
            report_status=Subquery(report.values("status")[:1]),
            report_submitted_at=Subquery(report.values("submitted_at")[:1]),
        )
        .select_related("city")
        .order_by("city_id", "name", "pk")
    )
    status = params.get("status", "")
    if status == MISSING:
        rows = rows.filter(Q(report_status__isnull=True) | Q(report_status=S.DRAFT))
    elif status in S.values:
        rows = rows.filter(report_status=status)
    if city := params.get("city", ""):
        rows = rows.filter(city_id=city)
    if q := str(params.get("q", "")).strip():
        rows = rows.filter(name__icontains=q)
    return rows


def status_label(status: str | None) -> str:
    """What the overview says of a report's status (None: not started)."""
    if status is None:
        return str(_("未填报"))
    return str(S(status).label)


def chosen_year(value: Any) -> int:
    """The year asked for (default: last year), bounded to sensible years."""
    last = clock.today().year - 1
    try:
        year = int(value)
    except (TypeError, ValueError):
        return last
    return year if 2000 <= year <= last + 1 else last
