"""The to-do sources of random inspection (N-5.2): the center publishes a drawn list (linked to
the draw page); the inspector records the findings, the organization answers a rectification
order, its city agency closes or escalates (each linked to the inspection's page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from evalorg.core import clock
from evalorg.core.todo import Source, Stage, by_queryset
from evalorg.core.workflow import Transition

from .findings import inspections_for
from .inspections import draw_url, draws_for
from .models import Inspection, InspectionDraw


def draw_scope(user: Any) -> QuerySet[InspectionDraw]:
    return draws_for(user).filter(status=InspectionDraw.Status.DRAFT)


def draw_title(draw: InspectionDraw) -> str:
    return str(draw)


def draw_link(draw: InspectionDraw, transition: Transition) -> str:
    return draw_url(draw)


def inspection_scope(user: Any) -> QuerySet[Inspection]:
    return inspections_for(user).select_related("draw", "institution")


def inspection_title(inspection: Inspection) -> str:
    return f"{inspection.institution.name} · {inspection.draw}"


def inspection_link(inspection: Inspection, transition: Transition) -> str:
    return reverse("supervision:inspection", args=[inspection.pk])


DRAW_SOURCE = Source(
    model=InspectionDraw,
    scope=draw_scope,
    link=draw_link,
    stage=Stage.SUPERVISION,
    title=draw_title,
)


def rectification_deadline(inspection: Inspection) -> date | None:
    return inspection.rectify_by


def escalation_due(rows: QuerySet[Inspection], user: Any) -> QuerySet[Inspection]:
    """The city waits on an answered rectification, or on one whose deadline has passed."""
    answered = Q(status=Inspection.Status.ANSWERED)
    return rows.filter(answered | Q(rectify_by__lt=clock.today()))


INSPECTION_SOURCE = Source(
    model=Inspection,
    scope=inspection_scope,
    link=inspection_link,
    stage=Stage.SUPERVISION,
    title=inspection_title,
    deadline=rectification_deadline,
    narrow={"escalate_inspection": by_queryset(escalation_due)},
)
