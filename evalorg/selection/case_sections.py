"""Selection's section of the one case page: the case's defense slot (date, time, place and
the applicant's confirmation; never the panel), with the slot's actions for whoever may take
them (the applicant confirms or asks to reschedule). Registered in ``apps.py``."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from evalorg.core.workflow import available_actions

from .defense import timed
from .models import DefenseSlot


def defense_section(request: HttpRequest, application) -> str:
    slot = DefenseSlot.objects.filter(application=application).select_related("session").first()
    if slot is None:
        return ""
    actions = {a.action: a for a in available_actions(slot, request.user)}
    context = {
        "row": timed(slot),
        "confirm": actions.get("confirm_defense"),
        "reschedule": actions.get("request_reschedule"),
    }
    return render_to_string("selection/defense/_applicant_slot.html", context, request=request)


def register_case_sections() -> None:
    from evalorg.applications.sections import Order, register_case_section

    register_case_section(defense_section, order=Order.PROVINCIAL)
