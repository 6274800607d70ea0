"""Conflicts of interest (回避): declared by each expert, and detected automatically."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from evalorg.applications.models import Application
from evalorg.core import audit

from .models import ConflictDeclaration, ConflictKind, Panel


def detect(expert, application: Application) -> str:
    """Why the system thinks ``expert`` is conflicted for ``application`` ("" if not)."""
    institution = application.institution
    is_member = institution.memberships.filter(user=expert).exists()
    return conflict_reasons(expert, institution, is_member=is_member)


def conflict_reasons(expert, institution, *, is_member: bool) -> str:
    """The detection rules on rows already loaded (list pages call this without queries)."""
    profile = getattr(expert, "expert_profile", None)
    reasons = []
    if profile and profile.employer_uscc and profile.employer_uscc.upper() == institution.uscc:
        reasons.append(_("专家工作单位统一社会信用代码与申请机构相同"))
    contacts = {institution.contact_email.lower(), institution.contact_phone}
    contacts.discard("")
    if (expert.email and expert.email.lower() in contacts) or (
        expert.phone and expert.phone in contacts
    ):
        reasons.append(_("专家是申请机构的联系人"))
    if is_member:
        reasons.append(_("专家是申请机构的系统账户"))
    return "；".join(reasons)


def declare(panel: Panel, application: Application, expert, kind: str, note: str = ""):
    with transaction.atomic():
        declaration, _created = ConflictDeclaration.objects.update_or_create(
            panel=panel,
            application=application,
            expert=expert,
            defaults={"kind": kind, "note": note, "detected": detect(expert, application)},
        )
        audit.record(
            "conflict_declared",
            application,
            actor=expert,
            data={"panel": panel.pk, "kind": kind, "detected": declaration.detected},
        )
    return declaration


def conflicted_pairs(application: Application) -> set[tuple[int, int]]:
    """(panel id, expert id) of every declared or detected conflict on ``application``."""
    rows = (
        ConflictDeclaration.objects.filter(application=application)
        .exclude(kind=ConflictKind.NONE, detected="")
        .values_list("panel_id", "expert_id")
    )
    return set(rows)
