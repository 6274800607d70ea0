"""The cases' to-do source (issue 19): where each case action is performed and its deadline.

Registered in ``apps.py`` with ``core.todo.register_source``; the items themselves come from
the case workflow's table and the user's case scope, never from a list written here.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse

from evalorg.core.todo import Source, Stage
from evalorg.core.workflow import Transition

from .models import Application, State

# The page on which each action is performed; the applicant's own case page otherwise.
PAGES = {
    "return_for_correction": "applications:detail",
    "verify": "applications:detail",
    "score_complete": "review:ranking",
    "recommend": "review:ranking",
    "not_recommend": "review:ranking",
    "send_to_province": "review:ranking",
    "select": "selection:ranking",
    "reject": "selection:ranking",
    "approve": "selection:approval",
    "publish": "publicity:list",
}
WITH_PK = {"applications:detail"}
STAGES = {
    "return_for_correction": Stage.CITY_REVIEW,
    "verify": Stage.CITY_REVIEW,
    "score_complete": Stage.CITY_REVIEW,
    "recommend": Stage.CITY_REVIEW,
    "not_recommend": Stage.CITY_REVIEW,
    "send_to_province": Stage.CITY_REVIEW,
    "select": Stage.PROVINCIAL,
    "reject": Stage.PROVINCIAL,
    "approve": Stage.PROVINCIAL,
    "publish": Stage.PUBLICITY,
}
APPLICATION_STATES = {State.DRAFT, State.RETURNED_FOR_CORRECTION}
CITY_STATES = {State.SUBMITTED, State.VERIFIED, State.CITY_ASSESSED, State.RECOMMENDED}


def case_scope(user) -> QuerySet[Application]:
    return Application.objects.for_user(user).select_related("round", "institution")


def case_link(case: Application, transition: Transition) -> str:
    name = PAGES.get(transition.action, "applications:detail")
    return reverse(name, args=[case.pk]) if name in WITH_PK else reverse(name)


def case_deadline(case: Application) -> date | None:
    """The round's application deadline, then the city's (N-4.1.1, N-4.1.2)."""
    if case.state in APPLICATION_STATES:
        return case.round.application_deadline
    if case.state in CITY_STATES:
        return case.round.city_assessment_deadline
    return None


def case_title(case: Application) -> str:
    return f"{case.institution.name}（{case.round.year}）"


CASE_SOURCE = Source(
    model=Application,
    scope=case_scope,
    link=case_link,
    stage=Stage.APPLICATION,
    stages=STAGES,
    deadline=case_deadline,
    title=case_title,
    # Choices nobody waits for; the fast track is the chain leader's exception (N-4.1.4);
    # publicity ends and objections are upheld through the notice and objection workflows.
    optional=frozenset(
        {"withdraw", "revise_decision", "fast_track", "end_publicity", "uphold_objection"}
    ),
)
