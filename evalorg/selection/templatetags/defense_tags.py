"""The applicant's defense slot on the case page (date, time, place; never the panel)."""

from __future__ import annotations

from django import template

from evalorg.core.workflow import available_actions
from evalorg.selection.models import DefenseSlot

from ..defense import timed

register = template.Library()


@register.inclusion_tag("selection/defense/_applicant_slot.html", takes_context=True)
def defense_slot(context, application) -> dict:
    user = context["request"].user
    slot = DefenseSlot.objects.filter(application=application).select_related("session").first()
    if slot is None:
        return {"row": None}
    actions = {a.action: a for a in available_actions(slot, user)}
    return {
        "row": timed(slot),
        "confirm": actions.get("confirm_defense"),
        "reschedule": actions.get("request_reschedule"),
        "csrf_token": context.get("csrf_token"),
    }
