"""A submitted case in 广州 and staff with tokens, for the API tests."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from evalorg.accounts import tokens
from evalorg.applications import workflow
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, city_agency


def submitted_case(institution=None):
    application = build_application(institution)
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def token_for(user, scope: str = "write", days: int = 30) -> str:
    return tokens.create(user, name="测试", scope=scope, days=days).secret


@pytest.fixture
def case():
    return submitted_case()


@pytest.fixture
def gz_staff():
    return CityStaffFactory()


@pytest.fixture
def sz_staff():
    return CityStaffFactory(agency=city_agency("440300"))
