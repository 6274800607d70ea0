"""Who the parties of the review stage's records are (scoresheets; the defense slots and the
leadership approvals are ``selection.audience``'s), for the engine's ``tell`` declarations;
registered by model from ``ReviewConfig.ready``, so this module imports none of the modules
that define the workflows.

An applicant is never told who scored or sits on a panel: a slot's messages give its date,
time and place only, and the scoresheet's expert is a party of its own sheet only.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from evalorg.accounts.models import Role, User
from evalorg.core.workflow import Party, Recipients, register_description, register_party

from .models import Scoresheet


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


def register_review_audiences() -> None:
    register_party(Scoresheet, Party.EXPERTS, sheet_expert)
    register_party(Scoresheet, Party.RECEIVING_AGENCY, sheet_staff)
    register_description(Scoresheet, describe_sheet)
