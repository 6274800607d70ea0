"""Who the parties of the review stage's records are (defense slots, scoresheets, leadership
approvals), for the engine's ``tell`` declarations; registered by model from
``ReviewConfig.ready``, so this module imports none of the modules that define the workflows.

An applicant is never told who scored or sits on a panel: a slot's messages give its date,
time and place only, and the scoresheet's expert is a party of its own sheet only.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from evalorg.accounts.models import Role, User
from evalorg.applications.audience import case_parties, department, describe_case, province
from evalorg.core.workflow import Party, Recipients, register_description, register_party

from .models import DefenseSlot, LeadershipApproval, Scoresheet


def slot_url(slot: DefenseSlot, party: Party) -> str:
    if party == Party.PROVINCE:
        return reverse("defense:detail", args=[slot.session_id])
    return reverse("applications:detail", args=[slot.application_id])


def sheet_expert(sheet: Scoresheet) -> Recipients:
    return Recipients(
        users=[sheet.expert],
        emails=[sheet.expert.email],
        url=reverse("expert:scoresheet", args=[sheet.application_id]),
    )


def sheet_staff(sheet: Scoresheet) -> Recipients:
    users = list(
        User.objects.filter(
            agency_id=sheet.panel.agency_id, role__in=Role.REVIEWING_STAFF, is_active=True
        )
    )
    return Recipients(users=users, emails=[u.email for u in users])


def describe_sheet(sheet: Scoresheet) -> dict[str, Any]:
    return {"institution": sheet.application.institution.name, "panel": sheet.panel.name}


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


def register_review_audiences() -> None:
    case_parties(DefenseSlot, lambda slot: slot.application, slot_url)
    register_description(DefenseSlot, lambda slot: describe_case(slot.application))
    register_party(Scoresheet, Party.EXPERTS, sheet_expert)
    register_party(Scoresheet, Party.RECEIVING_AGENCY, sheet_staff)
    register_description(Scoresheet, describe_sheet)
    register_party(LeadershipApproval, Party.PROVINCE, lambda a: province(approval_url(a)))
    register_party(LeadershipApproval, Party.DEPARTMENT, lambda a: department(approval_url(a)))
    register_description(LeadershipApproval, describe_approval)
