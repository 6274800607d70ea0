"""Review's sections of the one case page (issue 19 item 3), registered in ``apps.py``.

Staff read what the receiving agency checked: the institution as submitted, the N-2.4.2
declarations, the USCC facts, the eligibility results with the findings, the materials with
their earlier versions and the verification checks, and each review stage's record (SPEC
§6.2–§6.3). An assigned expert reads the link to its own scoresheet and nothing of anyone
else's. Verification is performed on its own page (the checklist); the case page links there.
"""

from __future__ import annotations

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.template.loader import render_to_string

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access
from evalorg.applications.materials import applicable_items, current_materials
from evalorg.applications.models import Application, State
from evalorg.institutions.uscc import parse_uscc

from . import findings
from .conflicts import ConflictIndex
from .inbox import institution_answers, material_rows
from .models import Scoresheet
from .services import assignment_for
from .stage_sections import stage_sections
from .verification import VERIFICATION_ACTIONS


def may_open_evidence(application: Application, user) -> bool:
    """Who ``views_inbox.declaration_evidence`` lets read a declaration's evidence."""
    return access.is_receiving_staff(application, user) or has_role(user, Role.PROVINCE_STAFF)


def verification_section(request: HttpRequest, application: Application) -> str:
    """What the receiving agency checked, and the way to the checklist while it is open."""
    institution = application.institution
    snapshot_uscc = application.institution_snapshot.get("uscc") or institution.uscc
    receiving = access.is_receiving_staff(application, request.user)
    context = {
        "application": application,
        "answers": institution_answers(application),
        "has_snapshot": bool(application.institution_snapshot),
        "declarations": institution.declarations.select_related("evidence"),
        "evidence_links": may_open_evidence(application, request.user),
        "uscc": parse_uscc(snapshot_uscc),
        "materials": material_rows(application),
        "findings": findings.findings(application),
        "findings_editable": application.state == State.SUBMITTED and receiving,
        "can_verify": application.state == State.SUBMITTED and receiving,
    }
    return render_to_string("review/case/_verification_section.html", context, request=request)


def stages_section(request: HttpRequest, application: Application) -> str:
    stages = stage_sections(application)
    if not stages:
        return ""
    context = {"stages": stages}
    return render_to_string("review/case/_stages_section.html", context, request=request)


def sheet_section(request: HttpRequest, application: Application) -> str:
    """The assigned expert's part: the materials and its own scoresheet, under the rules of the
    scoresheet page (N-4.1.2): a conflict declared first; a conflicted expert reads neither."""
    expert = request.user
    assignment = assignment_for(expert, application)
    if assignment is None:
        return ""
    panel = assignment.panel
    index = ConflictIndex.for_applications([application], experts=[expert])
    declared = index.declaration(panel.pk, expert, application) is not None
    conflicted = index.is_conflicted(panel.pk, expert, application)
    context = {
        "application": application,
        "panel": panel,
        "declared": declared,
        "conflicted": conflicted,
        "sheet": Scoresheet.objects.filter(
            application=application, panel=panel, expert=expert
        ).first(),
    }
    if declared and not conflicted:
        context["materials"] = current_materials(application)
        context["items"] = applicable_items(application)
    return render_to_string("review/case/_sheet_section.html", context, request=request)


def scoresheet_events(application: Application) -> Q:
    """The audit events of the case's scoresheets (saved, submitted, reopened), for the staff
    history; a subquery, so one query however many sheets the case has."""
    sheet_ids = (
        Scoresheet.objects.filter(application_id=application.pk)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return Q(object_type=Scoresheet._meta.label_lower, object_id__in=sheet_ids)


def register_case_sections() -> None:
    from evalorg.applications.history import register_history_events
    from evalorg.applications.sections import (
        Order,
        Reader,
        register_action_page,
        register_case_section,
    )

    register_case_section(verification_section, order=Order.CITY_REVIEW, readers=[Reader.STAFF])
    register_case_section(stages_section, order=Order.STAGES, readers=[Reader.STAFF])
    register_case_section(sheet_section, order=Order.CITY_REVIEW, readers=[Reader.EXPERT])
    for action in VERIFICATION_ACTIONS:
        register_action_page(action, "review_inbox:verify")
    register_history_events(scoresheet_events)
