"""The to-do source of the review stages (issue 19): the experts' scoresheets (the defense slots
and the leadership's approvals are ``selection.todo``'s).

An expert's sheet is work from the day the case is given to the expert's panel, before the
expert saved anything: a sheet not stored yet is listed as a draft (its workflow's first
state), built from the assignment; the case scope already leaves out conflicted experts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application, State
from evalorg.core.todo import Source, Stage

from .models import Assignment, Scoresheet
from .models import Stage as ReviewStage
from .panels import SCORING_STATES

# ---- scoresheets ---------------------------------------------------------------------------


def _current(assignment: Assignment) -> bool:
    """The assignment of the stage the case is scored in now (a city sheet is not reopened
    by the case reaching the province)."""
    provincial = assignment.panel.stage == ReviewStage.PROVINCE_SELECTION
    return provincial == (assignment.application.state == State.PROVINCE_REVIEW)


def sheet_scope(user: Any) -> list[Scoresheet]:
    """The expert's sheets of the cases being scored now, stored or not started yet."""
    if not has_role(user, Role.EXPERT):
        return []
    cases = Application.objects.for_user(user).filter(state__in=SCORING_STATES)
    assignments = (
        Assignment.objects.filter(application__in=cases, panel__members__expert=user)
        .filter(Q(experts=user) | Q(experts__isnull=True))
        .select_related("panel", "application__institution", "application__round")
        .distinct()
    )
    stored = {
        (s.panel_id, s.application_id): s
        for s in Scoresheet.objects.filter(expert=user, application__in=cases)
    }
    sheets = []
    for assignment in assignments:
        if not _current(assignment):
            continue
        sheet = stored.get((assignment.panel_id, assignment.application_id))
        if sheet is None:
            sheet = Scoresheet(expert=user)
        # The rows the assignment loaded, for a stored sheet as for a new one.
        sheet.panel, sheet.application = assignment.panel, assignment.application
        sheets.append(sheet)
    return sheets


def _own_sheets(objects: Sequence[Scoresheet], user: Any) -> Callable[[Scoresheet], bool]:
    """``is_own_scorer`` for every sheet at once: ``sheet_scope`` kept only the expert's sheets
    of the assignments they score now."""
    return lambda sheet: sheet.expert_id == user.pk


def sheet_stage(sheet: Scoresheet) -> str:
    provincial = sheet.application.state == State.PROVINCE_REVIEW
    return Stage.PROVINCIAL if provincial else Stage.CITY_REVIEW


SCORESHEET_SOURCE = Source(
    model=Scoresheet,
    scope=sheet_scope,
    link=lambda sheet, t: reverse("expert:scoresheet", args=[sheet.application_id]),
    stage=sheet_stage,
    title=lambda sheet: f"{sheet.application.institution.name}（{sheet.panel.name}）",
    deadline=lambda sheet: (
        None
        if sheet.application.state == State.PROVINCE_REVIEW
        else sheet.application.round.city_assessment_deadline
    ),
    # Staff may reopen a submitted sheet; nobody waits for it.
    optional=frozenset({"reopen_scoresheet"}),
    narrow={"submit_scoresheet": _own_sheets},
)
