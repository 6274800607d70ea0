"""Who the parties of the provincial selection's records are (defense slots, leadership
approvals), for the engine's ``tell`` declarations; registered by model from
``SelectionConfig.ready``. A slot's messages give its date, time and place only: an applicant is
never told who sits on the panel.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from evalorg.applications.audience import case_parties, department, describe_case, province
from evalorg.core.workflow import Party, register_description, register_party

from .models import DefenseSlot, LeadershipApproval


def slot_url(slot: DefenseSlot, party: Party) -> str:
    if party == Party.PROVINCE:
        return reverse("defense:detail", args=[slot.session_id])
    return reverse("applications:detail", args=[slot.application_id])


def describe_approval(approval: LeadershipApproval) -> dict[str, Any]:
    return {
        "title": approval.title or approval.get_kind_display(),
        "kind": approval.get_kind_display(),
        "round": approval.round.name,
    }


def approval_url(approval: LeadershipApproval) -> str:
    if approval.kind == LeadershipApproval.Kind.ACCEPTANCE:
        return reverse("filing:batch", args=[approval.pk])
    return reverse("selection:ranking")


def register_selection_audiences() -> None:
    case_parties(DefenseSlot, lambda slot: slot.application, slot_url)
    register_description(DefenseSlot, lambda slot: describe_case(slot.application))
    register_party(LeadershipApproval, Party.PROVINCE, lambda a: province(approval_url(a)))
    register_party(LeadershipApproval, Party.DEPARTMENT, lambda a: department(approval_url(a)))
    register_description(LeadershipApproval, describe_approval)
