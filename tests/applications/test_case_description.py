"""A case's description fills every message subject; it never prints "None" (issue 25 review:
the accepted e-mail's subject read "贵机构已通过验收（None）" for a case with no number)."""

from __future__ import annotations

import pytest

from evalorg.applications.audience import describe_case
from evalorg.applications.models import Application
from evalorg.rounds.models import Round
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_case_without_acknowledgement_number_is_described_with_a_dash() -> None:
    case = Application(institution=InstitutionFactory(), round=Round.objects.first())
    assert describe_case(case)["no"] == "—"


def test_case_with_acknowledgement_number_is_described_by_it() -> None:
    case = Application(
        institution=InstitutionFactory(),
        round=Round.objects.first(),
        acknowledgement_no="2023-4401-0001",
    )
    assert describe_case(case)["no"] == "2023-4401-0001"
