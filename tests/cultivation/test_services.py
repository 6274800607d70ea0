from datetime import date

import pytest

from evalorg.cultivation.services import start_period
from tests.applications.conftest import build_application

pytestmark = pytest.mark.django_db


def test_the_period_is_180_days_inclusive_and_created_once():
    application = build_application()
    period = start_period(application, date(2023, 10, 10))
    assert period.last_day == date(2024, 4, 6)  # day 180 (2024-02 has 29 days)
    assert (period.last_day - period.starts_on).days + 1 == 180
    again = start_period(application, date(2023, 12, 1))
    assert again.pk == period.pk and again.starts_on == date(2023, 10, 10)
