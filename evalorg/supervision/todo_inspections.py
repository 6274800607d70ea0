"""The to-do sources of random inspection (N-5.2): the center publishes a drawn list; the
inspector records the findings; the organization's city agency closes or escalates an answered
rectification. Each item links to the draw page, where the reader sees its own rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from evalorg.accounts.models import Role
from evalorg.core.todo import Source, Stage
from evalorg.core.workflow import Transition

from .inspections import draw_url, draws_for
from .models import Inspection, InspectionDraw


def draw_scope(user: Any) -> QuerySet[InspectionDraw]:
    return draws_for(user).filter(status=InspectionDraw.Status.DRAFT)


def draw_title(draw: InspectionDraw) -> str:
    return str(draw)


def draw_link(draw: InspectionDraw, transition: Transition) -> str:
    return draw_url(draw)


def inspection_scope(user: Any) -> QuerySet[Inspection]:
    rows = Inspection.objects.filter(draw__in=draws_for(user)).select_related("draw", "institution")
    if user.has_role(Role.PROVINCIAL):
        return rows
    if user.has_role(Role.CITY_STAFF):
        return rows.filter(institution__city_id=user.agency.division_id)
    return rows.filter(inspector=user)


def inspection_title(inspection: Inspection) -> str:
    return f"{inspection.institution.name} · {inspection.draw}"


def inspection_link(inspection: Inspection, transition: Transition) -> str:
    return draw_url(inspection.draw)


DRAW_SOURCE = Source(
    model=InspectionDraw,
    scope=draw_scope,
    link=draw_link,
    stage=Stage.SUPERVISION,
    title=draw_title,
)
INSPECTION_SOURCE = Source(
    model=Inspection,
    scope=inspection_scope,
    link=inspection_link,
    stage=Stage.SUPERVISION,
    title=inspection_title,
)
