"""Personal data (PIPL, issue #11, docs/security.md "Personal data"): the full ID number, phone
and (in staff views) e-mail of a seeded case appear in no list, export, PDF or case page, and
every staff read of personal data is an internal audit event."""

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from evalorg.applications import workflow
from evalorg.core.models import AuditEvent
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = "44010219850317123X"
PHONE = "13912345678"
EMAIL = "zhangsanfeng@example.cn"


@pytest.fixture
def case():
    institution = InstitutionFactory(
        legal_rep_id_number=ID_NUMBER, contact_phone=PHONE, contact_email=EMAIL
    )
    application = build_application(institution)
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if "spreadsheet" in kind:
        book = openpyxl.load_workbook(io.BytesIO(body))
        return " ".join(
            str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
        )
    return body.decode()


def _leaks(text: str, *, email: bool) -> list[str]:
    flat = re.sub(r"\s+", "", text)
    found = [value for value in (ID_NUMBER, PHONE) if value in flat]
    return found + ([EMAIL] if email and EMAIL in flat else [])


def test_staff_pages_exports_and_pdfs_never_show_full_numbers_or_emails(client, case):
    client.force_login(CityStaffFactory())
    urls = [
        reverse("review_inbox:inbox"),
        reverse("review_inbox:export"),
        reverse("applications:detail", args=[case.pk]),
        reverse("applications:list"),
        reverse("applications:pdf", args=[case.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _leaks(_text(response), email=True) == [], url


def test_the_institutions_own_pdf_and_public_pages_show_no_full_numbers(client, case):
    client.force_login(applicant_of(case))
    response = client.get(reverse("applications:pdf", args=[case.pk]))
    # Its own copy, stamped as material 1, shows its contact phone (issue 22), never the ID.
    assert _leaks(_text(response), email=False) == [PHONE]
    client.logout()
    for name in ("public:notices", "registry:list", "registry:csv"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and _leaks(_text(response), email=True) == []


def test_staff_reads_of_personal_data_are_internal_audit_events(client, case):
    client.force_login(CityStaffFactory())
    material = case.materials.first()
    reads = {
        "case_viewed": reverse("applications:detail", args=[case.pk]),
        "application_pdf_viewed": reverse("applications:pdf", args=[case.pk]),
        "material_viewed": reverse("applications:material_download", args=[case.pk, material.pk]),
    }
    for action, url in reads.items():
        before = AuditEvent.objects.filter(action=action).count()
        assert client.get(url).status_code == 200
        event = AuditEvent.objects.filter(action=action).last()
        assert AuditEvent.objects.filter(action=action).count() == before + 1
        assert event.audience == "internal" and event.object_id == str(case.pk)


def test_the_admins_institution_page_is_an_audited_read(client, case):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    institution = case.institution
    url = reverse("admin:institutions_institution_change", args=[institution.pk])
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get(action="institution_viewed_admin")
    assert event.audience == "internal" and event.object_id == str(institution.pk)
    assert event.actor_id == admin.pk
