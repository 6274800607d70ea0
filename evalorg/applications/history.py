"""A case's history as each audience may read it (SPEC §1 confidentiality).

The applicant reads only events marked for it (``Audience.APPLICANT``), with the agency as the
actor (never a staff member's or an expert's login), and a reason only where the transition
says the reason is addressed to the applicant.

Staff read every event of the case, of its lines and of the records later stages keep about it
(review: the scoresheets), which they register with ``register_history_events``; reads of the
case (``READ_EVENTS``) are counted and shown on request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext as _

from evalorg.core.audit import Audience
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import workflow_of, workflows

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
# Reads of the case's personal data, audited for the reviewing agency, hidden by default.
READ_EVENTS = frozenset(
    {
        "case_viewed",
        "material_viewed",
        "application_pdf_viewed",
        "contact_phone_revealed",  # review's reveal of the masked contact (issue 22)
        "contact_email_revealed",
    }
)

# ``fn(application) -> Q`` over ``AuditEvent``: the events of a stage's own records of the case
# (review: its scoresheets), shown in the staff history. One query whatever the case holds.
EventsOf = Callable[[Application], Q]
_event_sources: list[EventsOf] = []


def register_history_events(events_of: EventsOf) -> None:
    if events_of in _event_sources:
        raise ImproperlyConfigured(f"History events {events_of!r} are registered twice.")
    _event_sources.append(events_of)


def _state_labels() -> dict[str, dict[str, str]]:
    """Each workflow's object type → its states' Chinese labels (issue 19: no raw states)."""
    labels = {}
    for workflow in workflows():
        field = workflow.model._meta.get_field(workflow.state_field)
        labels[workflow.model._meta.label_lower] = {k: str(v) for k, v in field.choices or ()}
    return labels


def _line_names(application: Application) -> dict[str, str]:
    """Each occupation line's id (as audited) → "焊工 · 四级/高级工", in one query."""
    lines = application.occupations.select_related("occupation")
    return {str(line.pk): f"{line.occupation.name} · {line.get_level_display()}" for line in lines}


def _events(application: Application, line_ids: list[str], *extra: Q):
    """The case's and its lines' events, and any of ``extra`` (the stages' records)."""
    where = Q(object_type=application._meta.label_lower, object_id=str(application.pk)) | Q(
        object_type=LINE_TYPE, object_id__in=line_ids
    )
    for q in extra:
        where |= q
    return AuditEvent.objects.filter(where).select_related("actor__agency").order_by("id")


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
    labels = _state_labels()
    rows = []
    for event in _events(application, list(lines)).filter(audience=Audience.APPLICANT):
        transition = _transition(event)
        shows_reason = transition is not None and transition.reason_to_applicant
        rows.append(_row(event, _public_actor(event), shows_reason, lines, labels))
    return rows


def staff_history(application: Application) -> list[HistoryRow]:
    """Every event of the case, its lines and the stages' records of it, reads included."""
    return staff_history_and_reads(application, with_reads=True)[0]


def staff_history_and_reads(
    application: Application, *, with_reads: bool
) -> tuple[list[HistoryRow], int]:
    """Every event of the case, its lines and the stages' records of it (scoresheets), with
    the actor's login; reads of the case only ``with_reads``. Also the number of reads."""
    lines = _line_names(application)
    extra = [events_of(application) for events_of in _event_sources]
    events = list(_events(application, list(lines), *extra))
    reads = sum(1 for e in events if e.action in READ_EVENTS)
    if not with_reads:
        events = [e for e in events if e.action not in READ_EVENTS]
    labels = _state_labels()
    return [_row(e, e.actor_label, True, lines, labels) for e in events], reads


def _states(event: AuditEvent, labels: dict[str, dict[str, str]]) -> tuple[str, str]:
    """The event's states in Chinese, from the choices of its object's workflow (issue 19:
    line events showed ``bank_submitted`` and the like); the case's when the type is unknown."""
    own = labels.get(event.object_type)
    if own is None:
        return state_label(event.from_state), state_label(event.to_state)
    return own.get(event.from_state, event.from_state), own.get(event.to_state, event.to_state)


def _row(
    event: AuditEvent,
    actor: str,
    shows_reason: bool,
    lines: dict[str, str],
    labels: dict[str, dict[str, str]],
) -> HistoryRow:
    change = ""
    if event.from_state:
        before, after = _states(event, labels)
        change = f"{before} → {after}"
    label = event_label(event.action)
    if event.object_type == LINE_TYPE and event.object_id in lines:
        # Which occupation line moved, not just that one did.
        label = f"{label}（{lines[event.object_id]}）"
    reason = str(event.data.get("reason", "")) if shows_reason else ""
    return HistoryRow(event.created_at, actor, label, change, reason)
