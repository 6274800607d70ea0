"""The to-do source of assessment plans (N-5.2): the local agency accepts or returns submitted
plans and urges results 15 days late; the organization resubmits returned plans and reports
results once the assessment is over; the supervisor files the report once results are in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.core.workflow import Transition

from .models import AssessmentPlan
from .plans import plans_for, with_rows
from .transitions import RESULTS_DUE_DAYS


def scope(user: Any) -> QuerySet[AssessmentPlan]:
    return with_rows(plans_for(user))


def deadline(plan: AssessmentPlan) -> date | None:
    if plan.status == AssessmentPlan.Status.SUBMITTED:
        return plan.starts_on
    return plan.ends_on + timedelta(days=RESULTS_DUE_DAYS)


def title(plan: AssessmentPlan) -> str:
    return f"{plan.institution.name} · {plan}"


def link(plan: AssessmentPlan, transition: Transition) -> str:
    return reverse("supervision:plan", args=[plan.pk])


PLAN_SOURCE = Source(
    model=AssessmentPlan,
    scope=scope,
    link=link,
    stage=Stage.SUPERVISION,
    deadline=deadline,
    title=title,
    narrow={
        # Results are work from the day after the assessment's last day.
        "report_results": by_queryset(
            lambda qs, user: qs.filter(
                ends_on__lt=clock.today(), institution__memberships__user=user
            )
        ),
        # Late: the assessment ended more than 15 days ago without results.
        "urge_results": by_queryset(
            lambda qs, user: qs.filter(
                ends_on__lt=clock.today() - timedelta(days=RESULTS_DUE_DAYS),
                agency_id=user.agency_id,
            )
        ),
        "resubmit_plan": by_queryset(
            lambda qs, user: qs.filter(institution__memberships__user=user)
        ),
    },
)
