"""A filed organization received by Guangzhou (letter valid until 2028-11-30, from
tests/supervision), its city, the center and the department, and sanctions of each kind
(issue 25 item 4, N-5.2)."""
# ruff: noqa: F811  (the fixtures imported from tests/supervision are used by name)

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from evalorg.core.workflow import perform
from evalorg.sanctions.models import Sanction
from evalorg.sanctions.sanctions import create_draft
from tests.applications.conftest import stored_pdf
from tests.filing.conftest import department_staff, province_staff
from tests.notify.test_transition_audience import told  # noqa: F401  (fixture)
from tests.supervision.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    city,
    letter,
    line,
    organization,
    owner,
    pool,
)

K = Sanction.Kind
S = Sanction.Status
START, END = date(2024, 3, 1), date(2024, 5, 31)


@pytest.fixture
def center(db):
    return province_staff()


@pytest.fixture
def department(db):
    return department_staff()


def draft(city, organization, kind=K.SUSPENSION, **changes) -> Sanction:
    data = {
        "kind": kind,
        "line": None,
        "facts": "认定考务管理混乱，考评人员未按规定回避。",
        "clause": "N-5.2",
        "evidence": "2024年2月20日现场检查记录。",
        "starts_on": START if kind == K.SUSPENSION else None,
        "ends_on": END if kind == K.SUSPENSION else None,
    } | changes
    with time_machine.travel(TODAY, tick=False):
        return create_draft(city, organization, data)


def approve(sanction: Sanction, department) -> Sanction:
    with time_machine.travel(TODAY, tick=False):
        return perform(
            sanction,
            "approve_sanction",
            department,
            decided_on=date(2024, 2, 28),
            meeting_ref="领导小组2024年第2次会议",
            minutes=stored_pdf("纪要.pdf"),
        )


def take_effect(city, center, department, organization, kind=K.SUSPENSION, **changes):
    """Drafted, submitted, reviewed and approved: effective."""
    sanction = draft(city, organization, kind, **changes)
    with time_machine.travel(TODAY, tick=False):
        perform(sanction, "submit_sanction", city)
        perform(sanction, "review_sanction", center)
    return approve(sanction, department)


@pytest.fixture
def suspended(city, center, department, organization) -> Sanction:
    return take_effect(city, center, department, organization)


@pytest.fixture
def revoked(city, center, department, organization) -> Sanction:
    return take_effect(city, center, department, organization, K.REVOCATION)
