"""Issuing a filing letter (N-4.3): lines and case filed, DOCX and PDF with the organization,
number and occupations in Chinese, hashes audited, the organization told; expansions keep the
original letter's validity (N-2.2)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from evalorg.applications import workflow
from evalorg.applications.models import Application, Kind, State
from evalorg.core.files import open_stored, store_upload
from evalorg.core.models import AuditEvent
from evalorg.filing import letters
from evalorg.filing.models import FilingLetter, LetterTemplate
from evalorg.filing.services import add_years
from evalorg.notify.models import Message, OutboundEmail
from tests.applications.conftest import SH, applicant_of
from tests.factories import CityStaffFactory, city_agency

from .conftest import Line, department_staff, issued, passed

pytestmark = pytest.mark.django_db


def _bytes(stored) -> bytes:
    with open_stored(stored) as handle:
        return handle.read()


def _docx_text(stored) -> str:
    document = Document(io.BytesIO(_bytes(stored)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _pdf_text(stored) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(_bytes(stored))).pages)


def test_issuing_files_the_lines_and_the_case_and_writes_both_documents(staff):
    case = passed(occupations=(("6-18-02-04", [5, 4]), ("4-07-05-02", [5])))
    letter = issued(case, staff)
    case.refresh_from_db()
    assert case.state == State.FILED
    assert set(case.occupations.values_list("status", flat=True)) == {Line.FILED}
    assert letter.number == "粤职评备〔2023〕001号"
    assert (letter.issued_on, letter.valid_until) == (date(2023, 12, 1), date(2028, 11, 30))
    assert [(o["code"], o["level"]) for o in letter.occupations] == [
        ("4-07-05-02", 5),
        ("6-18-02-04", 5),
        ("6-18-02-04", 4),
    ]
    name = case.institution.name
    for text in (_docx_text(letter.docx), _pdf_text(letter.pdf)):
        for expected in (
            name,
            letter.number,
            "焊工",
            "五级/初级工",
            "四级/中级工",
            "2028年11月30日",
        ):
            assert expected in text, expected
    assert letter.docx.kind == "docx" and letter.pdf.kind == "pdf"
    assert letter.docx_sha256 == hashlib.sha256(_bytes(letter.docx)).hexdigest()
    assert letter.pdf_sha256 == hashlib.sha256(_bytes(letter.pdf)).hexdigest()


def test_the_audit_event_records_both_hashes_and_the_case_was_accepted_first(staff):
    letter = issued(passed(), staff)
    events = AuditEvent.objects.for_object(letter.application)
    assert list(events.values_list("action", flat=True).order_by("id")) == ["accept", "file_case"]
    event = events.get(action="file_case")
    assert (event.from_state, event.to_state) == ("accepted", "filed")
    assert event.data["letter"] == letter.number
    assert event.data["docx_sha256"] == letter.docx_sha256
    assert event.data["pdf_sha256"] == letter.pdf_sha256


def test_the_organization_is_told_in_app_and_by_email(staff, django_capture_on_commit_callbacks):
    case = passed()
    with django_capture_on_commit_callbacks(execute=True):
        letter = issued(case, staff)
    message = Message.objects.get(recipient=applicant_of(case))
    assert letter.number in message.subject
    assert OutboundEmail.objects.filter(subject=message.subject).exists()


def test_an_accepted_case_is_filed_with_its_passed_lines_only(staff):
    case = passed(occupations=(("6-18-02-04", [5, 4]),), state="accepted")
    case.occupations.filter(level=4).update(status=Line.BANK_FAILED)
    letter = issued(case, staff)
    assert [o["level"] for o in letter.occupations] == [5]
    assert case.occupations.get(level=4).status == Line.BANK_FAILED


def test_a_second_letter_for_the_same_case_is_refused(staff):
    case = passed()
    issued(case, staff)
    with pytest.raises(workflow.TransitionRefused) as refused:
        issued(case, staff)
    assert refused.value.refusals[0].clause == "N-4.3"
    assert FilingLetter.objects.count() == 1


def test_a_case_not_at_the_end_of_cultivation_is_refused_and_nothing_changes(staff):
    case = passed(state="in_publicity")
    with pytest.raises(workflow.TransitionRefused):
        issued(case, staff)
    case.refresh_from_db()
    assert case.state == "in_publicity" and not FilingLetter.objects.exists()
    assert set(case.occupations.values_list("status", flat=True)) == {Line.BANK_PASSED}


def test_a_case_without_a_passed_bank_cannot_be_accepted(staff):
    case = passed()
    case.occupations.update(status=Line.BANK_SUBMITTED)
    with pytest.raises(workflow.TransitionRefused) as refused:
        issued(case, staff)
    assert refused.value.refusals[0].clause == "N-4.3"
    assert Application.objects.get(pk=case.pk).state == "cultivating"


def test_only_province_staff_issue_letters(client):
    case = passed()
    with pytest.raises(workflow.TransitionRefused):
        issued(case, applicant_of(case))
    assert not FilingLetter.objects.exists()


def test_file_case_needs_a_letter(staff):
    case = passed(state="accepted")
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(case, "file_case", staff)
    assert refused.value.refusals[0].clause == "N-4.3"


def test_an_expansion_keeps_the_validity_of_the_original_letter(staff):
    first = issued(passed(), staff)
    expansion = passed(
        first.application.institution, occupations=(("4-07-05-02", [5]),), kind=Kind.EXPANSION
    )
    second = issued(expansion, staff, when=datetime(2025, 3, 3, 10, tzinfo=SH))
    assert second.issued_on == date(2025, 3, 3)
    assert second.valid_until == first.valid_until == date(2028, 11, 30)
    assert second.original == first
    assert second.number == "粤职评备〔2025〕001号"  # the sequence restarts each year


def test_validity_counts_whole_years_and_survives_29_february():
    assert add_years(date(2023, 12, 1), 5) == date(2028, 11, 30)
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 27)


def test_an_active_uploaded_template_replaces_the_default(staff):
    document = Document(io.BytesIO(letters.default_template()))
    document.add_paragraph("自定义模板标记 {{ number }}")
    buffer = io.BytesIO()
    document.save(buffer)
    stored = store_upload(
        ContentFile(buffer.getvalue(), name="模板.docx"),
        allowed_kinds=["docx"],
        max_bytes=10**7,
        user=staff,
    )
    template = LetterTemplate.objects.create(name="2024 版", file=stored, active=False)
    first = issued(passed(), staff)
    assert "自定义模板标记" not in _docx_text(first.docx)  # inactive: the default is used
    LetterTemplate.objects.filter(pk=template.pk).update(active=True)
    letter = issued(passed(), staff)
    assert f"自定义模板标记 {letter.number}" in _docx_text(letter.docx)


def test_province_staff_issue_a_letter_from_the_case_page(client, staff):
    case = passed()
    Application.objects.filter(pk=case.pk).update(receiving_agency=staff.agency)
    client.force_login(staff)
    page = client.get(reverse("applications:detail", args=[case.pk]))
    issue_url = reverse("filing:issue", args=[case.pk])
    assert issue_url in page.content.decode()
    with time_machine.travel(datetime(2023, 12, 1, 10, tzinfo=SH), tick=False):
        response = client.post(issue_url, follow=True)
    assert FilingLetter.objects.get(application=case).number in response.content.decode()
    assert Application.objects.get(pk=case.pk).state == State.FILED


@pytest.mark.parametrize("role", ["applicant", "city_staff", "department"])
def test_no_one_else_issues_a_letter_or_sees_the_button(client, role):
    case = passed()
    user = {
        "applicant": lambda: applicant_of(case),
        "city_staff": lambda: CityStaffFactory(agency=city_agency("440100")),
        "department": department_staff,
    }[role]()
    client.force_login(user)
    issue_url = reverse("filing:issue", args=[case.pk])
    page = client.get(reverse("applications:detail", args=[case.pk]))
    assert issue_url not in page.content.decode()
    assert client.post(issue_url).status_code == 404
    assert not FilingLetter.objects.exists()
