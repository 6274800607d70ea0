"""The annual report's workflow (``annual_report``, N-5.2, 五(二)), on the engine:

    draft ─submit_annual_report→ submitted ─accept_annual_report→ accepted
                                     └─return_annual_report (a reason)→ returned ─submit…→

The organization submits once the year is over, with its quality measures written; submitting
freezes the generated figures on the report. Its local agency (the city, or the center for
provincial organizations) accepts it or returns it with a reason.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Refusal, Tell, Transition, define

from .figures import figures_for
from .models import AnnualReport
from .reports import CLAUSE

REPORTS = define(AnnualReport, "status", "annual_report")
S = AnnualReport.Status
MIN_MEASURES_CHARS = 20


def of_organization(report: AnnualReport, user: Any) -> bool:
    membership = getattr(user, "membership", None)  # cached on the user after one read
    return membership is not None and bool(membership.institution_id == report.institution_id)


def of_local_agency(report: AnnualReport, user: Any) -> bool:
    return report.agency_id is not None and bool(report.agency_id == user.agency_id)


def year_over(report: AnnualReport, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if report.year >= clock.today().year:
        return Refusal(
            CLAUSE, _("%(year)d年度尚未结束，年度结束后才能提交年度报告。") % {"year": report.year}
        )
    return None


def written(report: AnnualReport, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    refusals = []
    if len(report.quality_measures.strip()) < MIN_MEASURES_CHARS:
        refusals.append(
            Refusal(
                CLAUSE,
                _("请填写本年度的质量管理措施（不少于 %(n)d 个字）。") % {"n": MIN_MEASURES_CHARS},
            )
        )
    if report.examiners_on_staff is None:
        refusals.append(Refusal(CLAUSE, _("请填写在册考评人员数。")))
    return refusals


def freeze_figures(report: AnnualReport, actor: Any, data: dict[str, Any]) -> None:
    report.figures = figures_for(report.institution_id, report.year)
    report.submitted_at = clock.now()
    report.return_reason = ""
    data["year"] = report.year
    data["totals"] = report.figures["totals"]


def keep_reason(report: AnnualReport, actor: Any, data: dict[str, Any]) -> None:
    report.return_reason = str(data.get("reason", "")).strip()
    report.decided_at = clock.now()


def stamp_decision(report: AnnualReport, actor: Any, data: dict[str, Any]) -> None:
    report.decided_at = clock.now()


SUBMIT = Transition(
    action="submit_annual_report",
    label=_("提交年度报告"),
    sources=frozenset({S.DRAFT, S.RETURNED}),
    target=S.SUBMITTED,
    roles=frozenset({Role.APPLICANT}),
    relation=of_organization,
    guards=(year_over, written),
    effects=(freeze_figures,),
    audit_fields=("year", "totals"),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("年度报告待受理：%(institution)s %(year)s年度"),
            _lazy("%(institution)s提交了%(year)s年度报告，请受理或退回（N-5.2）。"),
        ),
    ),
)
ACCEPT = Transition(
    action="accept_annual_report",
    label=_("受理"),
    sources=frozenset({S.SUBMITTED}),
    target=S.ACCEPTED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(stamp_decision,),
    audit_fields=(),
    audience=Audience.APPLICANT,
    style="success",
    confirm=_("确定受理该年度报告吗？受理后不能退回修改。"),
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("年度报告已受理：%(year)s年度"),
            _lazy("%(agency)s已受理贵机构的%(year)s年度报告（N-5.2）。"),
        ),
    ),
)
RETURN = Transition(
    action="return_annual_report",
    label=_("退回修改"),
    sources=frozenset({S.SUBMITTED}),
    target=S.RETURNED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(keep_reason,),
    needs_reason=True,
    style="outline-danger",
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("年度报告被退回：%(year)s年度"),
            _lazy("%(agency)s退回了贵机构的%(year)s年度报告，请修改后重新提交。%(reason_line)s"),
        ),
    ),
)


def register_report_transitions() -> None:
    REPORTS.register(SUBMIT, ACCEPT, RETURN)
