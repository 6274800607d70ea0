"""Who the parties of an assessment plan are (N-5.2): the organization (``APPLICANT``), the
local agency (``RECEIVING_AGENCY``) and the drawn quality supervisor (``EXPERTS``); the
organization's messages never name the supervisor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core.workflow import Party, Recipients, register_description, register_party
from evalorg.filing.registry import agency_recipients

from .models import AssessmentPlan


def plan_url(plan: AssessmentPlan) -> str:
    return reverse("supervision:plan", args=[plan.pk])


def organization(plan: AssessmentPlan) -> Recipients:
    users = list(
        get_user_model().objects.filter(
            membership__institution_id=plan.institution_id, is_active=True
        )
    )
    emails = [plan.institution.contact_email, *(u.email for u in users)]
    return Recipients(users=users, emails=emails, url=plan_url(plan))


def local_agency(plan: AssessmentPlan) -> Recipients:
    """The local agency the plan was registered with (``registry.local_agency``)."""
    return agency_recipients(plan.agency, plan_url(plan))


def supervisor(plan: AssessmentPlan) -> Recipients:
    if plan.supervisor is None:
        return Recipients()
    return Recipients(users=[plan.supervisor], emails=[plan.supervisor.email], url=plan_url(plan))


def describe_plan(plan: AssessmentPlan) -> dict[str, Any]:
    return {
        "institution": plan.institution.name,
        "agency": plan.agency.name,
        "plan": str(plan),
        "site": plan.site,
    }


def register_plan_parties() -> None:
    register_party(AssessmentPlan, Party.APPLICANT, organization)
    register_party(AssessmentPlan, Party.RECEIVING_AGENCY, local_agency)
    register_party(AssessmentPlan, Party.EXPERTS, supervisor)
    register_description(AssessmentPlan, describe_plan)
