"""Acknowledgement numbers come from one counter row per round and area (issue 24): O(1) per
submission, valid past the 9,999th, continuing numbers issued before the counter existed."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.applications import workflow
from evalorg.applications.models import AcknowledgementCounter, Application

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db
WHEN = datetime(2023, 5, 10, 9, 0, tzinfo=SH)


def _submit(application: Application) -> Application:
    with time_machine.travel(WHEN, tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def test_the_number_after_9999_is_10000_and_keeps_its_prefix(in_period):
    first = _submit(build_application())
    AcknowledgementCounter.objects.filter(round=first.round).update(last=9_999)
    done = _submit(build_application())
    assert done.acknowledgement_no == "2023-4401-10000"


def test_numbers_issued_before_the_counter_existed_are_continued(in_period):
    first = _submit(build_application())
    AcknowledgementCounter.objects.all().delete()  # as if issued by the previous release
    second = _submit(build_application())
    assert (first.acknowledgement_no, second.acknowledgement_no) == (
        "2023-4401-0001",
        "2023-4401-0002",
    )
    assert AcknowledgementCounter.objects.get().last == 2


def test_numbering_does_not_count_the_submitted_cases(in_period):
    """The counter replaces a COUNT over every number of the area: the number is taken
    without reading the applications table."""
    _submit(build_application())
    application = build_application()
    with CaptureQueriesContext(connection) as queries:
        _submit(application)
    numbering = [
        q["sql"]
        for q in queries.captured_queries
        if "acknowledgement_no" in q["sql"] and "LIKE" in q["sql"].upper()
    ]
    assert numbering == []
