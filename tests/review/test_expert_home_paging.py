"""The expert's list pages in the database (issue 24: at 10,000 assignments it was every row,
5 MB and 5.8 s of CPU): the same who-scores-what rule as ``services.experts_for``, a constant
number of queries, 50 rows a page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.review.models import Assignment, Panel, PanelMember
from evalorg.review.services import experts_for
from evalorg.review.views_expert import HOME_PAGE_SIZE, assignments_of
from tests.factories import CityStaffFactory, UserFactory

from .conftest import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel():
    staff = CityStaffFactory()
    application = submitted()
    panel = Panel.objects.create(
        agency=staff.agency, round=application.round, stage="city_assessment", name="广州评审组"
    )
    panel.seed_case = application
    return panel


def _members(panel, count: int) -> list:
    experts = [UserFactory(role="expert") for _ in range(count)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    return experts


def test_the_sql_rule_is_experts_for(panel):
    """Every member scores an assignment with no chosen experts; only the chosen ones
    score an assignment that has some."""
    experts = _members(panel, 3)
    everyone = Assignment.objects.create(panel=panel, application=panel.seed_case)
    chosen = Assignment.objects.create(panel=panel, application=submitted())
    chosen.experts.set([experts[1]])
    for expert in experts:
        in_sql = set(assignments_of(expert))
        in_python = {a for a in (everyone, chosen) if expert in experts_for(a)}
        assert in_sql == in_python, expert
    assert set(assignments_of(experts[0])) == {everyone}
    assert set(assignments_of(experts[1])) == {everyone, chosen}


def _home_queries(client, expert) -> tuple[int, str]:
    client.force_login(expert)
    client.get(reverse("expert:home"))  # session, caches
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("expert:home")).content.decode()
    return len(queries), body


def test_the_list_pages_with_constant_queries(client, panel):
    (expert,) = _members(panel, 1)
    Assignment.objects.create(panel=panel, application=panel.seed_case)
    few, _body = _home_queries(client, expert)
    for _ in range(HOME_PAGE_SIZE + 5):
        Assignment.objects.create(panel=panel, application=submitted())
    many, body = _home_queries(client, expert)
    assert many == few
    assert body.count("<tr data-application=") == HOME_PAGE_SIZE
    assert "第 1 / 2 页" in body
    second = client.get(reverse("expert:home") + "?page=2").content.decode()
    assert second.count("<tr data-application=") == 6
