"""The applicant's defense slot on the case page (date, time, place; never the panel)."""

from __future__ import annotations

from django import template

from evalorg.applications import access
from evalorg.core import clock

from ..defense import Attendance, timed
from ..models import DefenseSlot

register = template.Library()


@register.inclusion_tag("review/defense/_applicant_slot.html", takes_context=True)
def defense_slot(context, application) -> dict:
    user = context["request"].user
    slot = DefenseSlot.objects.filter(application=application).select_related("session").first()
    if slot is None:
        return {"row": None}
    can_respond = (
        access.is_own(application, user)
        and slot.session.date >= clock.today()
        and slot.attendance == Attendance.UNKNOWN
    )
    return {
        "row": timed(slot),
        "can_respond": can_respond,
        "csrf_token": context.get("csrf_token"),
    }
