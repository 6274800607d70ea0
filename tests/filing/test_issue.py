"""Issuing a filing letter (N-4.3): lines and case filed, DOCX and PDF with the organization,
number and occupations in Chinese, hashes audited, the organization told; expansions keep the
original letter's validity (N-2.2). Only through an approved acceptance batch: nothing accepts
or files a case by itself (a forged request is refused citing N-4.3 and changes nothing)."""

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
from evalorg.applications.history import READ_EVENTS
from evalorg.applications.models import Application, Kind, State
from evalorg.core.files import open_stored, store_upload
from evalorg.core.models import AuditEvent
from evalorg.filing import letters
from evalorg.filing.batches import Tick, create_batch, issue_letters, record_approval
from evalorg.filing.models import FilingLetter, LetterTemplate
from evalorg.filing.services import add_years, issue_letter
from evalorg.notify.models import Message, OutboundEmail
from tests.applications.conftest import SH, applicant_of
from tests.factories import CityStaffFactory, city_agency

from .conftest import (
    ISSUE_DAY,
    Line,
    approved_batch,
    department_staff,
    issued,
    minutes_upload,
    passed,
    province_staff,
)

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
            "根据《关于做好广东省2023年社会培训评价组织培育辅导遴选工作的通知》，经遴选",
            "同意贵单位备案为社会培训评价组织",
        ):
            assert expected in text.replace("\n", ""), expected
        assert "社会培训评价组织社会培训评价组织" not in text.replace("\n", "")
    assert letter.docx.kind == "docx" and letter.pdf.kind == "pdf"
    assert letter.docx_sha256 == hashlib.sha256(_bytes(letter.docx)).hexdigest()
    assert letter.pdf_sha256 == hashlib.sha256(_bytes(letter.pdf)).hexdigest()


def test_the_audit_trail_records_both_hashes_and_the_case_was_accepted_first(staff):
    """Accepted, then filed with its numbered letter, then the documents rendered outside that
    transaction are recorded with their SHA-256 (issue 21 item 3)."""
    letter = issued(passed(), staff)
    events = AuditEvent.objects.for_object(letter.application)
    assert list(events.values_list("action", flat=True).order_by("id")) == [
        "accept",
        "file_case",
        "filing_letter_documents",
    ]
    event = events.get(action="file_case")
    assert (event.from_state, event.to_state) == ("accepted", "filed")
    assert event.data["letter"] == letter.number
    stored = events.get(action="filing_letter_documents")
    assert stored.data == {
        "letter": letter.number,
        "docx_sha256": letter.docx_sha256,
        "pdf_sha256": letter.pdf_sha256,
    }
    assert stored.audience == "applicant" and stored.actor_id == staff.pk


def test_the_organization_is_told_in_app_and_by_email(staff, django_capture_on_commit_callbacks):
    case = passed()
    with django_capture_on_commit_callbacks(execute=True):
        letter = issued(case, staff)
    message = Message.objects.get(recipient=applicant_of(case), subject__contains="已备案")
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
        issue_letter(case, staff)
    assert refused.value.refusals[0].clause == "N-4.3"
    assert FilingLetter.objects.count() == 1


def _unchanged(case, state: str, events: int) -> None:
    """Nothing moved: no letter, the case and its lines as they were, no audit event."""
    case.refresh_from_db()
    assert case.state == state and not FilingLetter.objects.filter(application=case).exists()
    assert set(case.occupations.values_list("status", flat=True)) == {Line.BANK_PASSED}
    assert _events() == events


def _events() -> int:
    """Audit events but the sign-ins and token uses (forging a request starts with them) and
    the staff's reads of the case page a refusal lands on."""
    skipped = ["login", "api_token_used", *READ_EVENTS]
    return AuditEvent.objects.exclude(action__in=skipped).count()


@pytest.mark.parametrize("state", ["cultivating", "accepted", "in_publicity"])
def test_no_letter_outside_an_approved_acceptance_batch(staff, state):
    """The notice (四(三)) admits an organization only with the leadership group's approval:
    ``issue_letter`` refuses a case in no approved batch, citing N-4.3, whatever its state."""
    case = passed(state=state)
    events = _events()
    with (
        time_machine.travel(ISSUE_DAY, tick=False),
        pytest.raises(workflow.TransitionRefused) as refused,
    ):
        issue_letter(case, staff)
    assert [r.clause for r in refused.value.refusals] == ["N-4.3"]
    assert "领导小组" in str(refused.value)
    _unchanged(case, state, events)


def test_no_letter_for_a_case_only_proposed_or_not_approved_in_its_batch(staff):
    proposed, deferred, approved = passed(), passed(), passed()
    with time_machine.travel(ISSUE_DAY, tick=False):
        create_batch(proposed.round, "待审定批次", [proposed], staff)
        batch = create_batch(deferred.round, "已审定批次", [deferred, approved], staff)
        record_approval(
            batch,
            [Tick(deferred.pk, False, "材料待补充"), Tick(approved.pk, True)],
            decided_on=ISSUE_DAY.date(),
            meeting_ref="厅党组会议2023年第12次",
            minutes=minutes_upload(),
            user=department_staff(),
        )
        events = _events()
        for case in (proposed, deferred):
            with pytest.raises(workflow.TransitionRefused, match=r"N-4\.3"):
                issue_letter(case, staff)
            _unchanged(case, "cultivating", events)
        assert issue_letter(approved, staff).batch == f"acceptance-{batch.pk}"


def test_a_case_without_a_passed_bank_cannot_be_proposed_nor_accepted(staff):
    case = passed()
    case.occupations.update(status=Line.BANK_SUBMITTED)
    with pytest.raises(workflow.TransitionRefused) as refused:
        issued(case, staff)
    assert refused.value.refusals[0].clause == "N-4.3"
    assert Application.objects.get(pk=case.pk).state == "cultivating"


def test_only_province_staff_issue_letters(staff):
    case = passed()
    batch = approved_batch(case)
    for user in (applicant_of(case), department_staff()):
        with pytest.raises(workflow.TransitionRefused):
            issue_letters(batch, user)
    assert not FilingLetter.objects.exists()
    assert Application.objects.get(pk=case.pk).state == State.ACCEPTED


@pytest.mark.parametrize("role", ["province_staff", "department"])
def test_accept_and_file_case_need_an_approved_batch_for_every_role(role):
    """The engine itself refuses ``accept`` and ``file_case`` outside an approved batch, so no
    caller (page, API, script) can accept or file a case by itself (N-4.3)."""
    user = province_staff() if role == "province_staff" else department_staff()
    cultivating, accepted = passed(), passed(state="accepted")
    events = _events()
    for case, action in ((cultivating, "accept"), (accepted, "file_case")):
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.perform(case, action, user)
        assert refused.value.refusals[0].clause in {"N-4.3", "SPEC-1"}
        assert "N-4.3" in str(refused.value) or role == "department"
    _unchanged(cultivating, "cultivating", events)
    _unchanged(accepted, "accepted", events)


def test_file_case_needs_a_letter(staff):
    case = passed()
    approved_batch(case)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(Application.objects.get(pk=case.pk), "file_case", staff)
    assert [r.clause for r in refused.value.refusals] == ["N-4.3"]
    assert "备案函" in str(refused.value)


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
    # Written as an expansion letter (issue 22), not as a first filing.
    for text in (_docx_text(second.docx), _pdf_text(second.pdf)):
        flat = text.replace("\n", "")
        assert "新增备案职业（工种）的函" in flat and "同意贵单位新增备案以下职业" in flat
        assert f"有效期与原备案函（{first.number}）一致" in flat
        assert "同意贵单位备案为社会培训评价组织" not in flat


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


def _forge(client, user, case) -> list[str]:
    """POST every way there was to accept or file one case by itself: the removed per-case
    URL, the case page's generic action for ``accept`` and ``file_case``, and the API's."""
    client.force_login(user)
    statuses = [client.post(f"/filing/cases/{case.pk}/issue/").status_code]
    messages = []
    for action in ("accept", "file_case"):
        url = reverse("applications:action", args=[case.pk, action])
        response = client.post(url, {"reason": "伪造"}, follow=True)
        messages.append(response.content.decode())
    assert statuses == [404]  # the per-case path is gone
    return messages


@pytest.mark.parametrize("state", ["cultivating", "accepted"])
def test_a_forged_post_outside_an_approved_batch_is_refused_and_changes_nothing(client, state):
    staff = province_staff()
    case = passed(state=state)
    Application.objects.filter(pk=case.pk).update(receiving_agency=staff.agency)
    events = _events()
    with time_machine.travel(ISSUE_DAY, tick=False):
        pages = _forge(client, staff, case)
    own = pages[0] if state == "cultivating" else pages[1]
    assert "N-4.3" in own and "领导小组" in own
    _unchanged(case, state, events)


def test_the_api_offers_no_accept_and_refuses_it_citing_n_4_3(client, staff):
    from tests.api.conftest import bearer, token_for

    case = passed()
    Application.objects.filter(pk=case.pk).update(receiving_agency=staff.agency)
    secret = token_for(staff)
    detail = client.get(f"/api/cases/{case.pk}", **bearer(secret))
    assert detail.status_code == 200
    assert "accept" not in {a["action"] for a in detail.json()["available_actions"]}
    events = _events()
    response = client.post(
        f"/api/cases/{case.pk}/actions/accept",
        {},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 409
    assert [r["clause"] for r in response.json()["refusals"]] == ["N-4.3"]
    _unchanged(case, "cultivating", events)


def test_the_case_page_offers_no_accept_issue_or_file_button(client, staff):
    """Province staff on a cultivating case whose bank passed, and on an accepted one: no
    button accepts, issues or files; acceptance is the batch page's (N-4.3)."""
    for state in ("cultivating", "accepted"):
        case = passed(state=state)
        Application.objects.filter(pk=case.pk).update(receiving_agency=staff.agency)
        client.force_login(staff)
        html = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
        for action in ("accept", "file_case"):
            assert reverse("applications:action", args=[case.pk, action]) not in html
        assert "/issue/" not in html and "签发备案函</button>" not in html
        case = Application.objects.get(pk=case.pk)
        assert not {"accept", "file_case"} & {
            t.action for t in workflow.available_actions(case, staff)
        }


def test_the_case_page_tells_the_center_and_the_department_where_the_case_stands(client, staff):
    case = passed()
    Application.objects.filter(pk=case.pk).update(receiving_agency=staff.agency)
    page = reverse("applications:detail", args=[case.pk])
    department = department_staff()
    for user in (staff, department):
        client.force_login(user)
        html = client.get(page).content.decode()
        assert 'data-testid="acceptance-status"' in html and "尚未列入验收批次" in html
        assert f"{reverse('filing:batches')}?round={case.round_id}" in html
    with time_machine.travel(ISSUE_DAY, tick=False):
        batch = create_batch(case.round, "2023年第一批验收", [case], staff)
    html = client.get(page).content.decode()
    assert reverse("filing:batch", args=[batch.pk]) in html and "2023年第一批验收" in html
    for user in (applicant_of(case), CityStaffFactory(agency=city_agency("440100"))):
        client.force_login(user)
        assert 'data-testid="acceptance-status"' not in client.get(page).content.decode()


@pytest.mark.parametrize("role", ["applicant", "city_staff", "department"])
def test_no_one_else_accepts_or_files_a_case_or_sees_a_button(client, role):
    case = passed()
    user = {
        "applicant": lambda: applicant_of(case),
        "city_staff": lambda: CityStaffFactory(agency=city_agency("440100")),
        "department": department_staff,
    }[role]()
    client.force_login(user)
    page = client.get(reverse("applications:detail", args=[case.pk]))
    assert reverse("applications:action", args=[case.pk, "accept"]) not in page.content.decode()
    events = _events()
    _forge(client, user, case)
    _unchanged(case, "cultivating", events)
