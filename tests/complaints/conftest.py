"""A filed organization received by Guangzhou (from tests/supervision), its city, another city,
the center and the department, and complaints about it (issue 25 item 3, N-5.2)."""
# ruff: noqa: F811  (the fixtures imported from tests/supervision are used by name)

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache

from evalorg.complaints.complaints import file_complaint
from evalorg.complaints.models import Complaint
from evalorg.core.workflow import perform
from tests.factories import CityStaffFactory, city_agency
from tests.filing.conftest import department_staff, province_staff
from tests.notify.test_transition_audience import told  # noqa: F401  (fixture)
from tests.supervision.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    city,
    letter,
    organization,
    owner,
)

S = Complaint.Status
NAME, PHONE, EMAIL = "赵投诉", "13912345678", "complainant@example.org"
OUTCOME = "经现场核查，该机构考评人员未按规定回避，投诉属实，责令整改。"


@pytest.fixture(autouse=True)
def _complaint_settings(monkeypatch):
    # django-simple-captcha reads its settings once, at import: patch its module.
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    cache.clear()  # the form's per-IP rate limits count in the cache
    yield
    cache.clear()


@pytest.fixture
def center(db):
    return province_staff()


@pytest.fixture
def department(db):
    return department_staff()


@pytest.fixture
def other_city(db):
    return CityStaffFactory(agency=city_agency("440300"))


def complain(organization, **changes) -> Complaint:
    data = {
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "facts": "考评人员与考生存在亲属关系，未回避。",
    } | changes
    with time_machine.travel(TODAY, tick=False):
        return file_complaint(organization.pk, **data)


@pytest.fixture
def complaint(organization, city) -> Complaint:
    return complain(organization)


def investigating(complaint: Complaint, city) -> Complaint:
    with time_machine.travel(TODAY, tick=False):
        return perform(complaint, "investigate_complaint", city)
