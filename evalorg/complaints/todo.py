"""The to-do source of complaints (N-5.2): the local agency's complaints still open."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.core.todo import Source, Stage
from evalorg.core.workflow import Transition

from .complaints import OPEN_STATES, complaints_for, with_rows
from .models import Complaint


def scope(user: Any) -> QuerySet[Complaint]:
    return with_rows(complaints_for(user)).filter(status__in=OPEN_STATES)


def title(complaint: Complaint) -> str:
    status = complaint.get_status_display()
    return f"{complaint.institution.name} · 投诉 {complaint.number}（{status}）"


def link(complaint: Complaint, transition: Transition) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


COMPLAINT_SOURCE = Source(
    model=Complaint,
    scope=scope,
    link=link,
    stage=Stage.SUPERVISION,
    title=title,
    # A complaint waits for its local agency (the relation reads ``agency_id`` only); filed
    # complaints have no legal deadline of their own, so the oldest come first by their date.
)
