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


LINE_TYPE = ApplicationOccupation._meta.label_lower
LINE_STATES = dict(ApplicationOccupation.Status.choices)


def _line_names(application: Application) -> dict[str, str]:
    """Each occupation line's id (as audited) → "焊工 · 四级/高级工", in one query."""
    lines = application.occupations.select_related("occupation")
    return {str(line.pk): f"{line.occupation.name} · {line.get_level_display()}" for line in lines}


def _events(application: Application, line_ids: list[str]):
    return (
        AuditEvent.objects.filter(
            Q(object_type=application._meta.label_lower, object_id=str(application.pk))
            | Q(object_type=LINE_TYPE, object_id__in=line_ids)
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
    lines = _line_names(application)
    rows = []
    for event in _events(application, list(lines)).filter(audience=Audience.APPLICANT):
        transition = _transition(event)
        shows_reason = transition is not None and transition.reason_to_applicant
        rows.append(_row(event, _public_actor(event), shows_reason, lines))
    return rows


def staff_history(application: Application) -> list[HistoryRow]:
    lines = _line_names(application)
    return [_row(e, e.actor_label, True, lines) for e in _events(application, list(lines))]


def _states(event: AuditEvent) -> tuple[str, str]:
    """The event's states in Chinese: an occupation line's from its own choices (issue 19:
    line events showed ``bank_submitted`` and the like), the case's otherwise."""
    if event.object_type == LINE_TYPE:
        labels = LINE_STATES
        return (
            str(labels.get(event.from_state, event.from_state)),
            str(labels.get(event.to_state, event.to_state)),
        )
    return state_label(event.from_state), state_label(event.to_state)


def _row(event: AuditEvent, actor: str, shows_reason: bool, lines: dict[str, str]) -> HistoryRow:
    change = ""
    if event.from_state:
        before, after = _states(event)
        change = f"{before} → {after}"
    label = event_label(event.action)
    if event.object_type == LINE_TYPE and event.object_id in lines:
        # Which occupation line moved, not just that one did.
        label = f"{label}（{lines[event.object_id]}）"
    reason = str(event.data.get("reason", "")) if shows_reason else ""
    return HistoryRow(event.created_at, actor, label, change, reason)
