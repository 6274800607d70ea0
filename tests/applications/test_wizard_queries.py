"""The applicant's wizard pages (the deadline surge's pages, issue 12) keep a fixed number of
SQL queries: as many with four occupations and replaced files as with one, and within the
budget measured when they were tuned (bench/surge_pages.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.applications.materials import add_material
from evalorg.catalog.models import Occupation
from tests.factories import MINIMAL_PDF

from .conftest import applicant_of, build_application

pytestmark = pytest.mark.django_db

# page -> the most queries it may run (session, user, second factor, membership, the case...)
BUDGET = {
    "applications:step_institution": 21,
    "applications:step_occupations": 20,
    "applications:step_materials": 11,
    "applications:step_review": 24,
    "applications:detail": 18,
}


def _queries(client, name: str, pk: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200, name
    return len(ctx.captured_queries)


def _bigger():
    codes = list(Occupation.objects.leaves().order_by("code").values_list("code", flat=True)[:4])
    application = build_application(occupations=[(code, [5, 4]) for code in codes])
    user = applicant_of(application)
    for item in list(application.round.checklist.all())[:3]:
        current = application.materials.filter(item_code=item.code, is_current=True).first()
        add_material(application, item, _pdf(), user, replaces=current)
    return application


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("替换.pdf", MINIMAL_PDF, content_type="application/pdf")


@pytest.mark.parametrize("name", BUDGET)
def test_wizard_page_queries_do_not_grow(client, name) -> None:
    small, big = build_application(), _bigger()
    client.force_login(applicant_of(small))
    _queries(client, name, small.pk)  # warm: the session, content types
    few = _queries(client, name, small.pk)
    client.force_login(applicant_of(big))
    _queries(client, name, big.pk)
    many = _queries(client, name, big.pk)
    assert few == many, (name, few, many)
    assert many <= BUDGET[name], (name, many)
