"""The to-do sources of the provincial selection (issue 19): defense slots and the leadership's
approvals of acceptance batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application
from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.core.workflow import Transition

from .models import DefenseSlot, LeadershipApproval

# ---- defense slots -------------------------------------------------------------------------

ATTENDANCE_OPEN = (
    DefenseSlot.State.OFFERED,
    DefenseSlot.State.CONFIRMED,
    DefenseSlot.State.MOVED,
    DefenseSlot.State.RESCHEDULE_REQUESTED,
)


def slot_scope(user: Any) -> QuerySet[DefenseSlot]:
    return DefenseSlot.objects.filter(
        application__in=Application.objects.for_user(user)
    ).select_related("session__panel", "application__institution")


def slot_link(slot: DefenseSlot, transition: Transition) -> str:
    if transition.action == "confirm_defense":
        return reverse("applications:detail", args=[slot.application_id])
    return reverse("defense:detail", args=[slot.session_id])


def _center_from_the_day(qs: QuerySet[DefenseSlot], user: Any) -> QuerySet[DefenseSlot]:
    """Attendance is recorded from the session's day on, once (N-4.1.3)."""
    return qs.filter(
        session__panel__agency_id=user.agency_id,
        session__date__lte=clock.today(),
        state__in=ATTENDANCE_OPEN,
    )


def _asked_to_move(qs: QuerySet[DefenseSlot], user: Any) -> QuerySet[DefenseSlot]:
    """The center moves a slot on its own too; what waits for it is a reschedule request."""
    return qs.filter(
        session__panel__agency_id=user.agency_id,
        state=DefenseSlot.State.RESCHEDULE_REQUESTED,
        session__date__gte=clock.today(),
    )


SLOT_SOURCE = Source(
    model=DefenseSlot,
    scope=slot_scope,
    link=slot_link,
    stage=Stage.PROVINCIAL,
    title=lambda slot: f"{slot.application.institution.name} · {slot.session}",
    deadline=lambda slot: slot.session.date,
    optional=frozenset({"request_reschedule"}),
    narrow={
        "move_defense": by_queryset(_asked_to_move),
        "mark_attended": by_queryset(_center_from_the_day),
        "mark_absent": by_queryset(_center_from_the_day),
    },
)


# ---- leadership approvals of acceptance batches (N-4.3) ------------------------------------


def approval_scope(user: Any) -> QuerySet[LeadershipApproval]:
    """Acceptance batches: a selection's approval is recorded with its list (N-4.1.3), the
    case action ``approve`` is the department's work there."""
    if not has_role(user, Role.PROVINCIAL):
        return LeadershipApproval.objects.none()
    return LeadershipApproval.objects.filter(kind=LeadershipApproval.Kind.ACCEPTANCE)


APPROVAL_SOURCE = Source(
    model=LeadershipApproval,
    scope=approval_scope,
    link=lambda approval, t: reverse("filing:batch", args=[approval.pk]),
    stage=Stage.ACCEPTANCE,
)
