"""The to-do sources of cultivation (issue 19): occupation lines and training sessions.

The center's bank reviews come from every line in cultivation, whatever way its case got there
(publicity or the chain-leader fast track, N-4.1.4); each line's deadline is its case's last
day of cultivation (N-4.3). A training session is work for its organiser from its day on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.core.workflow import Transition

from .bank_review import expert_assignments
from .models import BankReviewAssignment, CultivationPeriod, TrainingSession

LINE_PAGES = {
    "submit_bank": "cultivation:line",
    "pass_bank": "cultivation:line_review",
    "fail_bank": "cultivation:line_review",
}


def province_scope(qs: QuerySet[Application], user: Any) -> QuerySet[Application]:
    """The province's case scope from cultivation on (``applications.access``): every case with
    a cultivation period, however it got there, through acceptance and filing (N-4.1.4, N-4.3).
    ``pk IN (…)`` like selection's scope, so that OR-ed scopes read indexes."""
    return qs.filter(pk__in=CultivationPeriod.objects.values("application_id"))


def line_scope(user: Any) -> QuerySet[ApplicationOccupation]:
    # The province's scope includes every case in cultivation (``province_scope``).
    seen = Q(application__in=Application.objects.for_user(user))
    return ApplicationOccupation.objects.filter(seen).select_related(
        "occupation", "application__institution", "application__cultivation_period"
    )


def line_link(line: ApplicationOccupation, transition: Transition) -> str:
    name = LINE_PAGES.get(transition.action)
    if name is None:  # filing: through an acceptance batch (N-4.3)
        return reverse("filing:batches")
    return reverse(name, kwargs={"line_pk": line.pk})


def line_deadline(line: ApplicationOccupation) -> date | None:
    period = getattr(line.application, "cultivation_period", None)
    return period.last_day if period else None


def line_title(line: ApplicationOccupation) -> str:
    return f"{line.application.institution.name} · {line}"


LINE_SOURCE = Source(
    model=ApplicationOccupation,
    scope=line_scope,
    link=line_link,
    stage=Stage.CULTIVATION,
    stages={"file": Stage.ACCEPTANCE},
    deadline=line_deadline,
    title=line_title,
    # Excluding a line is the city's choice at review; lines start with their case.
    optional=frozenset({"exclude", "start_cultivation"}),
)


def training_scope(user: Any) -> QuerySet[TrainingSession]:
    if not has_role(user, Role.REVIEWING_STAFF):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(organiser_id=user.agency_id)


TRAINING_SOURCE = Source(
    model=TrainingSession,
    scope=training_scope,
    link=lambda session, transition: reverse("cultivation:training", args=[session.pk]),
    stage=Stage.CULTIVATION,
    deadline=lambda session: session.held_on,
    # Attendance is recorded from the session's day on (N-4.2); the scope is the organiser's.
    narrow={"hold": by_queryset(lambda qs, user: qs.filter(held_on__lte=clock.today()))},
)


def review_scope(user: Any) -> QuerySet[BankReviewAssignment]:
    """An expert's bank reviews waiting for its sheet (the center's withdrawal is optional)."""
    if not has_role(user, Role.EXPERT):
        return BankReviewAssignment.objects.none()
    return expert_assignments(user).filter(status=BankReviewAssignment.Status.ASSIGNED)


BANK_REVIEW_SOURCE = Source(
    model=BankReviewAssignment,
    scope=review_scope,
    link=lambda a, transition: reverse("cultivation:bank_review_sheet", args=[a.pk]),
    stage=Stage.CULTIVATION,
    deadline=lambda a: line_deadline(a.line),
    title=lambda a: line_title(a.line),
    optional=frozenset({"withdraw_bank_review"}),
)
