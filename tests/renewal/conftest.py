"""A filed organization received by Guangzhou (letter valid until 2028-11-30, from
tests/supervision) and the days around the end of its validity (issue 25 item 6, N-5.2)."""
# ruff: noqa: F811  (the fixtures imported from tests/supervision are used by name)

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from evalorg.renewal.models import Renewal
from evalorg.renewal.renewals import create_renewal
from tests.applications.conftest import SH
from tests.supervision.conftest import (  # noqa: F401  (fixtures)
    VALID_UNTIL,
    city,
    letter,
    line,
    organization,
    owner,
    pool,
)

BEFORE_WINDOW = datetime(2028, 5, 1, 10, tzinfo=SH)  # 213 days left: too early to apply
IN_WINDOW = datetime(2028, 8, 1, 10, tzinfo=SH)  # 121 days left: may apply, no reminder yet
DAYS_89 = datetime(2028, 9, 2, 10, tzinfo=SH)  # the 90-day reminder is due
DAYS_29 = datetime(2028, 11, 1, 10, tzinfo=SH)  # the 30-day reminder is due
LAST_DAY = datetime(2028, 11, 30, 10, tzinfo=SH)
EXPIRED = datetime(2028, 12, 1, 10, tzinfo=SH)  # the day after the last valid day


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def apply(owner, organization, moment: datetime = IN_WINDOW) -> Renewal:
    with at(moment):
        return create_renewal(owner, organization, "备案以来按计划开展认定，接受督导。")


@pytest.fixture
def renewal(owner, organization, letter) -> Renewal:
    return apply(owner, organization)
