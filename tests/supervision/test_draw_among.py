"""A draw restricted to some organizations (the simulation's own, issue 25): the others are
never candidates, so a simulation on a trial database never inspects a real organization."""
# ruff: noqa: F811  (fixtures imported from test_inspections are used by name)

from __future__ import annotations

import pytest
import time_machine

from evalorg.supervision.inspections import create_draw

from .conftest import TODAY
from .test_inspections import center, inspectors, organizations  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_only_the_given_organizations_are_candidates(center, organizations, inspectors):
    chosen = {organizations[0].pk, organizations[2].pk}
    with time_machine.travel(TODAY, tick=False):
        draw = create_draw(center, 2024, 100, 5, among=chosen)
    assert draw.candidates == sorted(chosen)
    assert set(draw.inspections.values_list("institution", flat=True)) == chosen


def test_without_a_restriction_every_filed_organization_is_a_candidate(
    center, organizations, inspectors
):
    with time_machine.travel(TODAY, tick=False):
        draw = create_draw(center, 2024, 100, 5)
    assert draw.candidates == sorted(o.pk for o in organizations)
