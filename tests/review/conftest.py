"""Build cases through the real workflow up to the review stage (2023 reference round)."""

from __future__ import annotations

from datetime import datetime

import time_machine

from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items
from evalorg.review.models import Assignment, Panel, PanelMember, Scoresheet, VerificationCheck
from evalorg.review.services import review_of
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, UserFactory

ITEM_CODES = [item["code"] for item in DEFAULT_SCORESHEET["items"]]


def submitted(institution=None):
    application = build_application(institution)
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def pass_checklist(application, staff) -> None:
    """Every applicable checklist item saved as present, complete and authentic by ``staff``."""
    review = review_of(application)
    for item in applicable_items(application):
        VerificationCheck.objects.create(
            review=review,
            item_code=item.code,
            present=True,
            complete=True,
            authentic=True,
            checked_by=staff,
        )


def verified(staff, institution=None):
    application = submitted(institution)
    pass_checklist(application, staff)
    return workflow.perform(application, "verify", staff)


def panel_with_experts(staff, count: int = 3) -> tuple[Panel, list]:
    panel, _ = Panel.objects.get_or_create(
        agency=staff.agency,
        round_id=_round_id(),
        stage="city_assessment",
        defaults={"name": "广州评审组"},
    )
    experts = [UserFactory(role="expert") for _ in range(count)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    return panel, experts


def _round_id() -> int:
    from evalorg.rounds.models import Round

    return Round.objects.get(code="gd-2023").pk


def score(panel, application, experts, per_item: list[int]) -> None:
    Assignment.objects.get_or_create(panel=panel, application=application)
    from evalorg.review.conflicts import declare

    for expert, points in zip(experts, per_item, strict=True):
        declare(panel, application, expert, "none")
        Scoresheet.objects.create(
            panel=panel,
            application=application,
            expert=expert,
            status="submitted",
            scores={code: points for code in ITEM_CODES},
            opinion="recommend",
        )


def assessed(staff, panel, experts, per_item: list[int], institution=None):
    application = verified(staff, institution)
    score(panel, application, experts, per_item)
    return workflow.perform(application, "score_complete", staff)


def city_staff():
    return CityStaffFactory()
