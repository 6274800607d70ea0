"""Role dashboards on the home page (issue #10): counts by state, deadlines with days left,
recent messages, staff charts by state and by county; constant queries as cases grow."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.notify.models import Message
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory

pytestmark = pytest.mark.django_db
DAY = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _in_period():
    with time_machine.travel(DAY, tick=False):
        yield


def _submitted():
    application = build_application()
    return workflow.perform(application, "submit", applicant_of(application))


def _chart(body: str, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', body)
    return json.loads(found.group(1))


def test_city_staff_see_counts_deadlines_charts_and_messages(client):
    staff = CityStaffFactory()
    _submitted()
    Message.objects.create(recipient=staff, subject="新的备案申请：测试", url="/")
    client.force_login(staff)
    body = client.get(reverse("home")).content.decode()
    assert 'data-state="submitted"' in body
    assert "还有" in body and "地市评估截止" in body  # days left
    assert "新的备案申请：测试" in body
    assert _chart(body, "chart-state") == {"labels": ["已提交"], "counts": [1]}
    assert sum(_chart(body, "chart-area")["counts"]) == 1
    assert "vendor/chart.js/chart.umd.min.js" in body and "<script>" not in body


def test_the_applicant_sees_its_own_counts_without_charts(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    body = client.get(reverse("home")).content.decode()
    assert 'data-state="submitted"' in body and "chart-state" not in body


def test_the_home_page_keeps_a_constant_number_of_queries(client):
    staff = CityStaffFactory()
    client.force_login(staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    _submitted()
    few = count()
    for _ in range(4):
        _submitted()
    assert count() == few
