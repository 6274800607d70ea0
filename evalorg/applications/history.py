"""A case's history as each audience may read it (SPEC §1 confidentiality).

The applicant reads only events marked for it (``Audience.APPLICANT``), with the agency as the
actor (never a staff member's or an expert's login), and a reason only where the transition
says the reason is addressed to the applicant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from evalorg.core.audit import Audience
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import workflow_of

from .models import Application, ApplicationOccupation
from .templatetags.case_tags import event_label, state_label


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    label: str
    change: str
    reason: str


def _events(application: Application):
    line_type = ApplicationOccupation._meta.label_lower
    line_ids = [str(pk) for pk in application.occupations.values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(
            Q(object_type=application._meta.label_lower, object_id=str(application.pk))
            | Q(object_type=line_type, object_id__in=line_ids)
        )
        .select_related("actor__agency")
        .order_by("id")
    )


def _transition(event: AuditEvent):
    is_case = event.object_type == Application._meta.label_lower
    model = Application if is_case else ApplicationOccupation
    return workflow_of(model).table.get(event.action) if event.from_state else None


def _public_actor(event: AuditEvent) -> str:
    actor = event.actor
    if event.role == "applicant":
        return event.actor_label
    if event.role == "system":
        return _("系统")
    if actor is not None and actor.agency_id:
        return actor.agency.name
    return _("受理机构")


def applicant_history(application: Application) -> list[HistoryRow]:
    rows = []
    for event in _events(application).filter(audience=Audience.APPLICANT):
        transition = _transition(event)
        shows_reason = transition is not None and transition.reason_to_applicant
        rows.append(_row(event, _public_actor(event), shows_reason))
    return rows


def staff_history(application: Application) -> list[HistoryRow]:
    return [_row(e, e.actor_label, True) for e in _events(application)]


def _row(event: AuditEvent, actor: str, shows_reason: bool) -> HistoryRow:
    change = ""
    if event.from_state:
        change = f"{state_label(event.from_state)} → {state_label(event.to_state)}"
    reason = str(event.data.get("reason", "")) if shows_reason else ""
    return HistoryRow(event.created_at, actor, event_label(event.action), change, reason)
