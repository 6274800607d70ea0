"""The annual report's workflow and to-do items (issue 25 item 7, N-5.2): refusals with their
clause, the local agency alone decides, each side's to-do list, who is told."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.annual.reports import report_of, save_draft
from evalorg.core.models import AuditEvent
from evalorg.core.todo import todo_items
from evalorg.core.workflow import TransitionRefused, perform
from evalorg.notify.models import Message
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory, city_agency

from .conftest import MEASURES, REPORTING

pytestmark = pytest.mark.django_db


def items(user) -> dict[str, tuple]:
    return {
        item.url: (item.kind, item.deadline)
        for item in todo_items(user)
        if item.workflow == "annual_report"
    }


def test_a_year_not_over_or_a_report_without_measures_is_refused(owner, organization):
    with time_machine.travel(datetime(2024, 6, 1, 10, tzinfo=SH), tick=False):
        draft = save_draft(owner, report_of(organization, 2023), {"quality_measures": "太短"})
        with pytest.raises(TransitionRefused) as refused:
            perform(draft, "submit_annual_report", owner)
    messages = [str(r) for r in refused.value.refusals]
    assert any("质量管理措施" in m and "N-5.2" in m for m in messages)
    assert any("在册考评人员数" in m for m in messages)
    with time_machine.travel(datetime(2024, 6, 1, 10, tzinfo=SH), tick=False):
        draft = save_draft(owner, draft, {"quality_measures": MEASURES, "examiners_on_staff": 3})
        assert perform(draft, "submit_annual_report", owner).status == "submitted"  # 2023: over
        from django.http import Http404

        with pytest.raises(Http404):  # 2024 is not over: not owed yet
            report_of(organization, 2024)


def test_only_the_local_agency_decides_and_a_return_needs_a_reason(report, city):
    other = CityStaffFactory(agency=city_agency("440300"))
    with time_machine.travel(REPORTING, tick=False):
        with pytest.raises(TransitionRefused):
            perform(report, "accept_annual_report", other)
        with pytest.raises(TransitionRefused):
            perform(report, "return_annual_report", city)
        returned = perform(report, "return_annual_report", city, reason="投诉处理情况未说明。")
    assert returned.return_reason == "投诉处理情况未说明。"
    told = Message.objects.filter(subject__contains="年度报告被退回").get()
    assert "投诉处理情况未说明" in told.body
    event = AuditEvent.objects.filter(action="return_annual_report").get()
    assert event.audience == "applicant"


def test_the_organization_sees_last_years_report_from_1_january(owner, organization, city):
    page = reverse("annual:year", args=[2024])
    with time_machine.travel(datetime(2024, 12, 31, 10, tzinfo=SH), tick=False):
        assert page not in items(owner)
    with time_machine.travel(datetime(2025, 1, 1, 9, tzinfo=SH), tick=False):
        kind, due = items(owner)[page]
    assert (kind, str(due)) == ("提交年度报告", "2025-03-31")
    assert items(city) == {}


def test_a_submitted_report_waits_for_the_agency_and_leaves_the_organizations_list(
    city, owner, report
):
    page = reverse("annual:report", args=[report.pk])
    with time_machine.travel(REPORTING, tick=False):
        assert items(owner) == {}
        assert items(city) == {page: ("受理／退回修改", date(2025, 3, 31))}
        assert items(CityStaffFactory(agency=city_agency("440300"))) == {}
        returned = perform(report, "return_annual_report", city, reason="请补充考评人员情况。")
        assert list(items(owner)) == [page]
        assert items(city) == {}
    assert Message.objects.filter(recipient=city, subject__contains="年度报告待受理").exists()
    assert returned.status == "returned"
