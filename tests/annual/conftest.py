"""A filed organization (tests/supervision/conftest.py: letter of 2023-12-01, received by
Guangzhou) with assessment plans and complaints in 2024, reported on in January 2025."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from evalorg.annual.models import AnnualReport
from evalorg.annual.reports import report_of, save_draft
from evalorg.complaints.complaints import file_complaint
from evalorg.core.workflow import perform
from tests.applications.conftest import SH
from tests.supervision.conftest import (  # noqa: F401 (fixtures)
    accepted,
    city,
    letter,
    line,
    organization,
    owner,
    plan,
    pool,
    reported,
)

REPORTING = datetime(2025, 1, 10, 10, 0, tzinfo=SH)  # 2024 is over, the report not yet due
MEASURES = "严格执行考评人员回避制度，每次认定均安排内部督导并留存影像资料。"


def complaint(institution_id: int, when: datetime, outcome: str | None, staff=None):
    with time_machine.travel(when, tick=False):
        filed = file_complaint(
            institution_id, name="赵投诉", phone="13912345678", email="", facts="考务不规范。"
        )
        if outcome is None:
            return filed
        filed = perform(filed, "investigate_complaint", staff)
        return perform(filed, f"{outcome}_complaint", staff, reason="经调查核实，结论如下。")


def submitted(owner_user, institution, year: int = 2024, **data) -> AnnualReport:
    fields = {"quality_measures": MEASURES, "examiners_on_staff": 12} | data
    with time_machine.travel(REPORTING, tick=False):
        draft = save_draft(owner_user, report_of(institution, year), fields)
        return perform(draft, "submit_annual_report", owner_user)


@pytest.fixture
def report(owner, organization) -> AnnualReport:  # noqa: F811 (the fixtures above)
    return submitted(owner, organization)
