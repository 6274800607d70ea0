"""Assessment plans: who sees which, the filed scope and validity a plan must stay within, and
registering or editing one (N-5.2). The workflow is in ``transitions.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import ApplicationOccupation
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Refusal, Tell, TransitionRefused, announce, lock, perform
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency
from evalorg.institutions.models import Institution, institution_of

from .models import AssessmentPlan

CLAUSE = "N-5.2"
S = AssessmentPlan.Status
SUBMITTED_TELL = Tell(
    Party.RECEIVING_AGENCY,
    _lazy("认定计划待受理：%(institution)s %(plan)s"),
    _lazy("%(institution)s登记了认定计划（%(plan)s），请受理或退回（N-5.2）。"),
)
EDITABLE = ("line", "starts_on", "ends_on", "site", "expected_candidates", "examiners")


# ---- who sees which plans ---------------------------------------------------------------------


def with_rows(qs: QuerySet[AssessmentPlan]) -> QuerySet[AssessmentPlan]:
    """What a list row shows, in one query."""
    return qs.select_related("institution__city", "line__occupation", "agency")


def plans_of_organization(user: Any) -> QuerySet[AssessmentPlan]:
    institution = institution_of(user) if has_role(user, Role.APPLICANT) else None
    if institution is None:
        return AssessmentPlan.objects.none()
    return AssessmentPlan.objects.filter(institution=institution)


def plans_of_agency(user: Any) -> QuerySet[AssessmentPlan]:
    """The local agency's plans (city or center); the department reads every plan."""
    if has_role(user, Role.DEPARTMENT):
        return AssessmentPlan.objects.all()
    if has_role(user, Role.REVIEWING_STAFF) and user.agency_id is not None:
        return AssessmentPlan.objects.filter(agency_id=user.agency_id)
    return AssessmentPlan.objects.none()


def plans_of_supervisor(user: Any) -> QuerySet[AssessmentPlan]:
    if not has_role(user, Role.EXPERT):
        return AssessmentPlan.objects.none()
    return AssessmentPlan.objects.filter(supervisor_id=user.pk)


def plans_for(user: Any) -> QuerySet[AssessmentPlan]:
    """Every plan the user may open: its organization's, its agency's, or supervised by it."""
    if not user.is_authenticated:
        return AssessmentPlan.objects.none()
    if has_role(user, Role.APPLICANT):
        return plans_of_organization(user)
    if has_role(user, Role.EXPERT):
        return plans_of_supervisor(user)
    return plans_of_agency(user)


def get_for_user(user: Any, pk: int) -> AssessmentPlan:
    """The plan, 404 for anyone it is not shown to (its existence stays hidden)."""
    plan = with_rows(plans_for(user)).select_related("supervisor").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


# ---- the filed scope and validity -------------------------------------------------------------


def filed_lines(institution: Institution) -> QuerySet[ApplicationOccupation]:
    """The organization's filed occupation lines (the scope of its filing letters)."""
    return (
        ApplicationOccupation.objects.filter(
            application__institution=institution,
            status=ApplicationOccupation.Status.FILED,
            application__filing_letters__isnull=False,
        )
        .distinct()
        .select_related("occupation")
        .order_by("occupation__code", "-level")
    )


def valid_until(line: ApplicationOccupation) -> date | None:
    """The last day of the filing of ``line``'s case (its letters share one validity)."""
    found: date | None = FilingLetter.objects.filter(application_id=line.application_id).aggregate(
        last=Max("valid_until")
    )["last"]
    return found


# A later stage's reason to refuse any plan of an organization or line (sanctions: suspended
# or revoked, N-5.2); registered once at start-up, asked wherever the scope is.
PlanCheck = Callable[[AssessmentPlan], list[Refusal]]
_plan_checks: list[PlanCheck] = []


def register_plan_check(check: PlanCheck) -> None:
    if check not in _plan_checks:
        _plan_checks.append(check)


def scope_refusals(plan: AssessmentPlan) -> list[Refusal]:
    """Why ``plan`` is outside its organization's filed scope or validity, or not ahead."""
    line = plan.line
    if (
        line.status != ApplicationOccupation.Status.FILED
        or line.application.institution_id != plan.institution_id
    ):
        return [Refusal(CLAUSE, _("所选职业（工种）及等级不在本机构的备案范围内。"))]
    refusals = [refusal for check in _plan_checks for refusal in check(plan)]
    today = clock.today()
    if plan.starts_on <= today:
        refusals.append(Refusal(CLAUSE, _("认定开始日期须晚于今天：认定计划须在认定开展前登记。")))
    if plan.ends_on < plan.starts_on:
        refusals.append(Refusal(CLAUSE, _("结束日期不能早于开始日期。")))
    last = valid_until(line)
    if last is None or plan.ends_on > last or plan.starts_on > last:
        refusals.append(
            Refusal(
                CLAUSE,
                _("认定日期超出备案有效期（有效期至 %(day)s）。")
                % {"day": f"{last:%Y年%m月%d日}" if last else "—"},
            )
        )
    if not 1 <= plan.expected_candidates <= AssessmentPlan.MAX_CANDIDATES:
        refusals.append(
            Refusal(
                CLAUSE,
                _("预计参加人数须在 1 至 %(max)d 之间。") % {"max": AssessmentPlan.MAX_CANDIDATES},
            )
        )
    return refusals


# ---- registering and editing ------------------------------------------------------------------


@transaction.atomic
def create_plan(user: Any, institution: Institution, data: dict[str, Any]) -> AssessmentPlan:
    """Register a plan (state submitted); refused, nothing stored, outside the filed scope or
    validity or dated today or earlier (N-5.2)."""
    line = data["line"]
    plan = AssessmentPlan(
        institution=institution,
        agency=local_agency(institution.pk),
        created_by=user,
        created_at=clock.now(),
        **{k: data[k] for k in EDITABLE},
    )
    if refusals := scope_refusals(plan):
        raise TransitionRefused(refusals)
    plan.save()
    audit.record(
        "assessment_plan_submitted",
        plan,
        actor=user,
        to_state=plan.status,
        data={"line": line.pk, "starts_on": plan.starts_on, "ends_on": plan.ends_on},
        audience=Audience.APPLICANT,
    )
    announce(plan, SUBMITTED_TELL)
    return plan


@transaction.atomic
def resubmit(user: Any, plan: AssessmentPlan, data: dict[str, Any]) -> AssessmentPlan:
    """Save the edited returned plan and resubmit it (``resubmit_plan``), all or nothing."""
    locked = lock(plan, "resubmit_plan")
    for key in EDITABLE:
        setattr(locked, key, data[key])
    locked.save(update_fields=list(EDITABLE))
    return perform(locked, "resubmit_plan", user)


def reported_assessment(institution_id: int) -> str:
    """N-2.2: the organization's latest assessment with reported results, said for the
    expansion wizard, or "" when there is none."""
    plan = (
        AssessmentPlan.objects.filter(
            institution_id=institution_id, status__in=[S.RESULTS_REPORTED, S.CLOSED]
        )
        .select_related("line__occupation")
        .order_by("-results_reported_at", "-pk")
        .first()
    )
    if plan is None:
        return ""
    return _(
        "认定计划“%(occupation)s（%(level)s）”，%(start)s 至 %(end)s，%(candidates)d 人参加、"
        "%(passed)d 人合格，已于 %(day)s 报告结果"
    ) % {
        "occupation": plan.line.occupation.name,
        "level": plan.line.get_level_display(),
        "start": f"{plan.starts_on:%Y-%m-%d}",
        "end": f"{plan.ends_on:%Y-%m-%d}",
        "candidates": plan.candidates or 0,
        "passed": plan.passed or 0,
        "day": f"{localtime(plan.results_reported_at):%Y-%m-%d}"
        if plan.results_reported_at
        else "—",
    }
