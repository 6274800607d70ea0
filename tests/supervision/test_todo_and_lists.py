"""To-do items of assessment plans (issue 25 item 5) and the agency's list (item 6): constant
queries as plans grow; filtered by state; each side sees its own plans only."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.core.todo import todo_items
from evalorg.supervision.models import AssessmentPlan

from .conftest import AFTER, LATE, TODAY, new_plan

pytestmark = pytest.mark.django_db


def kinds(user) -> dict[int, str]:
    return {item.pk: item.kind for item in todo_items(user) if item.workflow == "assessment_plan"}


def test_the_agency_sees_submitted_plans_and_late_results(city, plan, owner, pool):
    with time_machine.travel(TODAY, tick=False):
        assert kinds(city) == {plan.pk: "受理（抽取督导员）／退回"}
        from evalorg.core.workflow import perform

        accepted = perform(plan, "accept_plan", city)
    with time_machine.travel(AFTER, tick=False):
        assert kinds(city) == {}  # results not late yet
        assert kinds(owner) == {accepted.pk: "报告认定结果"}
        assert kinds(accepted.supervisor) == {}
    with time_machine.travel(LATE, tick=False):
        assert kinds(city) == {accepted.pk: "催报认定结果"}


def test_the_supervisor_sees_the_report_due(reported):
    with time_machine.travel(AFTER, tick=False):
        assert kinds(reported.supervisor) == {reported.pk: "提交督导报告"}


def test_the_organization_sees_returned_plans(city, plan, owner):
    from evalorg.core.workflow import perform

    with time_machine.travel(TODAY, tick=False):
        perform(plan, "return_plan", city, reason="地点不详")
        assert kinds(owner) == {plan.pk: "重新提交"}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_agency_list_costs_the_same_for_1_and_20_plans(client, city, owner, line):
    client.force_login(city)
    new_plan(owner, line)
    one = _queries(client, "/supervision/agency/")
    for n in range(19):
        new_plan(owner, line, site=f"考点{n}")
    assert AssessmentPlan.objects.count() == 20
    assert _queries(client, "/supervision/agency/") == one
    page = client.get("/supervision/agency/?status=returned").content.decode()
    assert "暂无认定计划" in page


def test_the_organization_and_supervisor_lists_are_constant_too(client, owner, line, city):
    from evalorg.core.workflow import perform

    from .conftest import expert

    supervisor = expert(full_name="唯一督导专家")  # the pool's only expert: drawn every time

    def accepted_plan(n: int) -> None:
        plan = new_plan(owner, line, site=f"考点{n}")
        with time_machine.travel(TODAY, tick=False):
            perform(plan, "accept_plan", city)

    accepted_plan(0)
    client.force_login(owner)
    one_owner = _queries(client, "/supervision/plans/")
    client.force_login(supervisor)
    one_supervisor = _queries(client, "/supervision/supervised/")
    for n in range(1, 11):
        accepted_plan(n)
    assert AssessmentPlan.objects.filter(supervisor=supervisor).count() == 11
    assert _queries(client, "/supervision/supervised/") == one_supervisor
    client.force_login(owner)
    assert _queries(client, "/supervision/plans/") == one_owner
