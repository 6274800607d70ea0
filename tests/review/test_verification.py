"""Verification (材料初审): the checklist, verify, return for correction with reasons (issue #4)."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items
from evalorg.applications.models import Application, State
from evalorg.applications.returns import latest_return_reasons
from evalorg.core import audit
from evalorg.core.models import AuditEvent
from evalorg.notify.models import OutboundEmail
from evalorg.review.models import VerificationCheck
from tests.applications.conftest import PDF_BYTES, SH, applicant_of, build_application
from tests.factories import CityStaffFactory, city_agency

pytestmark = pytest.mark.django_db

IN_PERIOD = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case() -> Application:
    application = build_application()
    return workflow.perform(application, "submit", applicant_of(application))


@pytest.fixture
def staff(client):
    user = CityStaffFactory()
    client.force_login(user)
    return user


def codes(application: Application) -> list[str]:
    return [item.code for item in applicable_items(application)]


def checklist(application, action, *, failing=(), unchecked=(), notes=None, general="") -> dict:
    """Form data: every flag ticked except ``failing`` items (all three off) and the
    ``unchecked`` (item, flag) pairs."""
    data = {"action": action, "general_note": general, "confirm": "yes"}
    for code in codes(application):
        for flag in ("present", "complete", "authentic"):
            if code not in failing and (code, flag) not in unchecked:
                data[f"{code}-{flag}"] = "on"
        data[f"{code}-note"] = (notes or {}).get(code, "")
    return data


def post(client, application, data):
    return client.post(reverse("review_inbox:verify", args=[application.pk]), data)


def test_verify_page_lists_every_applicable_item(client, staff, case):
    response = client.get(reverse("review_inbox:verify", args=[case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for item in applicable_items(case):
        assert item.title in body
    assert "初审通过" in body and "退回补正" in body


def test_save_upserts_checks_and_audits_changes(client, staff, case):
    data = checklist(case, "save", failing=("credit",), notes={"credit": "截图不清晰"})
    assert post(client, case, data).status_code == 302
    assert VerificationCheck.objects.filter(review__application=case).count() == len(codes(case))
    credit = VerificationCheck.objects.get(review__application=case, item_code="credit")
    assert not credit.passed and credit.note == "截图不清晰" and credit.checked_by == staff
    saved = AuditEvent.objects.for_object(case).filter(action="verification_saved")
    assert saved.count() == 1
    assert len(saved.get().data["items"]) == len(codes(case))

    post(client, case, checklist(case, "save"))  # credit now passes: one changed row
    assert VerificationCheck.objects.filter(review__application=case).count() == len(codes(case))
    assert VerificationCheck.objects.get(review__application=case, item_code="credit").passed
    assert saved.count() == 2
    assert [i["item"] for i in saved.last().data["items"]] == ["credit"]

    post(client, case, checklist(case, "save"))  # nothing changed: nothing to audit
    assert saved.count() == 2
    assert audit.verify_chain().ok


def test_verify_is_refused_until_every_item_passed_and_changes_nothing(client, staff, case):
    data = checklist(
        case, "verify", unchecked={("premises", "authentic")}, notes={"premises": "租赁合同存疑"}
    )
    response = post(client, case, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "评价场地与设施设备证明" in body and "N-5.1" in body
    assert "租赁合同存疑" in body  # what the user typed is kept
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()
    assert not AuditEvent.objects.for_object(case).filter(action="verify").exists()

    response = post(client, case, checklist(case, "verify"))
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.state == State.VERIFIED
    event = AuditEvent.objects.for_object(case).get(action="verify")
    assert (event.from_state, event.to_state, event.actor) == ("submitted", "verified", staff)
    assert AuditEvent.objects.for_object(case).filter(action="verification_saved").exists()
    assert all(c.passed for c in VerificationCheck.objects.filter(review__application=case))


def test_checklist_is_read_only_once_verified(client, staff, case):
    post(client, case, checklist(case, "verify"))
    response = post(client, case, checklist(case, "save", failing=("credit",)))
    assert response.status_code == 400
    assert "只有“已提交”的申请可以核验材料" in response.content.decode()
    assert VerificationCheck.objects.get(review__application=case, item_code="credit").passed


def test_return_with_reasons_reaches_the_applicant(client, staff, case):
    data = checklist(
        case,
        "return_for_correction",
        failing=("credit",),
        unchecked={("premises", "complete")},
        notes={"credit": "缺少信用查询截图"},
        general="请加盖公章后重新上传。",
    )
    response = post(client, case, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RETURNED_FOR_CORRECTION

    event = AuditEvent.objects.for_object(case).get(action="return_for_correction")
    assert event.actor == staff
    assert event.data["items"] == [
        {
            "code": "premises",
            "title": "评价场地与设施设备证明（自有或一年以上租赁）",
            "note": "内容不完整",
        },
        {"code": "credit", "title": "信用承诺书及信用查询截图", "note": "缺少信用查询截图"},
    ]
    assert event.data["reason"] == (
        "评价场地与设施设备证明（自有或一年以上租赁）：内容不完整\n"
        "信用承诺书及信用查询截图：缺少信用查询截图\n"
        "请加盖公章后重新上传。"
    )
    email = OutboundEmail.objects.filter(subject__contains="退回补正").get()
    assert case.institution.contact_email in email.to
    assert "信用承诺书及信用查询截图：缺少信用查询截图" in email.body
    assert "请加盖公章后重新上传。" in email.body

    reasons = latest_return_reasons(case)
    assert [(r["code"], r["note"]) for r in reasons] == [
        ("premises", "内容不完整"),
        ("credit", "缺少信用查询截图"),
        ("", "请加盖公章后重新上传。"),
    ]
    shown = render_to_string(
        "applications/_return_reasons.html", {"reasons": reasons, "application": case}
    )
    assert "退回补正意见" in shown and "缺少信用查询截图" in shown and "2023年5月25日" in shown
    assert render_to_string("applications/_return_reasons.html", {"reasons": []}).strip() == ""

    # The staff case page shows them too.
    body = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert "退回补正意见" in body and "缺少信用查询截图" in body


def test_return_with_only_a_general_note(client, staff, case):
    post(client, case, checklist(case, "return_for_correction", general="请补充近三年评价业绩"))
    case.refresh_from_db()
    assert case.state == State.RETURNED_FOR_CORRECTION
    assert latest_return_reasons(case) == [
        {"code": "", "title": "其他意见", "note": "请补充近三年评价业绩"}
    ]


def test_return_without_failed_item_or_note_is_refused_and_keeps_input(client, staff, case):
    data = checklist(case, "return_for_correction", notes={"influence": "已核对原件"})
    response = post(client, case, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "退回补正须说明理由" in body and "已核对原件" in body
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()
    assert not OutboundEmail.objects.filter(subject__contains="退回补正").exists()


def test_note_longer_than_allowed_is_refused_with_input_kept(client, staff, case):
    data = checklist(
        case, "return_for_correction", failing=("credit",), notes={"credit": "长" * 501}
    )
    response = post(client, case, data)
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert "长" * 501 in response.content.decode()


def test_other_city_cannot_see_or_verify(client, case):
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    url = reverse("review_inbox:verify", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, checklist(case, "verify")).status_code == 404
    url = reverse("review_inbox:action", args=[case.pk, "verify"])
    assert client.post(url).status_code == 404
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()


def test_applicant_cannot_open_the_checklist(client, case):
    client.force_login(applicant_of(case))
    assert client.get(reverse("review_inbox:verify", args=[case.pk])).status_code == 404


def test_resubmission_keeps_earlier_versions_on_the_case_page(client, staff, case, _in_period):
    post(client, case, checklist(case, "return_for_correction", failing=("credit",)))
    old = case.materials.get(item_code="credit", is_current=True)
    _in_period.move_to(datetime(2023, 5, 12, 9, 0, tzinfo=SH))

    client.force_login(applicant_of(case))
    remove = reverse("applications:material_remove", args=[case.pk, old.pk])
    assert client.post(remove).status_code == 302
    upload = reverse("applications:material_upload", args=[case.pk, "credit"])
    new_file = SimpleUploadedFile("信用查询截图（补正）.pdf", PDF_BYTES)
    assert client.post(upload, {"file": new_file}).status_code == 302
    review = reverse("applications:step_review", args=[case.pk])
    assert client.post(review, {"confirm": "on"}).status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    client.force_login(staff)
    body = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert "信用查询截图（补正）.pdf" in body
    assert old.file.original_name in body and 'data-testid="earlier-version"' in body
    versions = case.materials.filter(item_code="credit")
    assert versions.count() == 2 and versions.filter(is_current=False).get() == old
    old_url = reverse("applications:material_download", args=[case.pk, old.pk])
    assert old_url in body
    assert client.get(old_url).status_code == 200
    checklist_page = client.get(reverse("review_inbox:verify", args=[case.pk])).content.decode()
    assert checklist_page.count("上次核验后材料有更新") == 1


def test_return_with_nothing_ticked_and_no_note_is_refused(client, staff, case):
    """An untouched checklist is no judgement: it would tell the applicant that every
    material is 未提交 (issue 10)."""
    data = {"action": "return_for_correction", "general_note": "", "confirm": "yes"}
    response = post(client, case, data)
    assert "退回补正须说明理由" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()


def test_return_without_confirmation_changes_nothing(client, staff, case):
    """Issue #10: 退回补正 is irreversible; without confirm=yes the page asks instead."""
    data = checklist(case, "return_for_correction", failing=("credit",))
    del data["confirm"]
    response = post(client, case, data)
    assert response.status_code == 409
    assert "确定退回补正吗" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()


# ---- issue 18 item 4: refused before the confirmation is asked --------------------------


def test_return_without_reason_is_refused_before_asking(client, staff, case):
    """退回补正 with no failed item and no note is refused on the page (the form with what was
    typed), not after the user confirmed 不能撤回; no confirm page, nothing changed."""
    data = checklist(case, "return_for_correction")
    del data["confirm"]
    emails = OutboundEmail.objects.count()
    response = post(client, case, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "退回补正须说明理由" in body and "confirm-page" not in body
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()
    assert OutboundEmail.objects.count() == emails


def test_verify_with_a_failed_item_is_refused_before_asking(client, staff, case):
    data = checklist(case, "verify", failing=("credit",))
    del data["confirm"]
    response = post(client, case, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "应退回补正" in body and "confirm-page" not in body
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not VerificationCheck.objects.filter(review__application=case).exists()


def test_valid_return_asks_then_is_done_when_confirmed(client, staff, case):
    data = checklist(case, "return_for_correction", failing=("credit",), notes={"credit": "缺"})
    del data["confirm"]
    asked = post(client, case, data)
    assert asked.status_code == 409
    assert 'data-testid="confirm-page"' in asked.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    done = post(client, case, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert done.url == reverse("applications:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.state == State.RETURNED_FOR_CORRECTION


def test_verify_buttons_leave_the_question_to_the_server(client, staff, case):
    """The browser dialog would ask before the server validates: the page has none."""
    body = client.get(reverse("review_inbox:verify", args=[case.pk])).content.decode()
    assert "data-confirm" not in body


def _without_file(application: Application) -> str:
    """Take the current files off one item (as if never uploaded); returns its code."""
    code = codes(application)[0]
    application.materials.filter(item_code=code).update(is_current=False)
    return code


def test_an_item_without_a_file_cannot_be_ticked_on_the_page(client, staff, case):
    code = _without_file(case)
    page = client.get(reverse("review_inbox:verify", args=[case.pk])).content.decode()
    row = page.split(f'data-item="{code}"')[1].split("</tr>")[0]
    assert row.count(" disabled") == 3 and "未上传材料，无可核验（N-5.1）" in row
    other = page.split(f'data-item="{codes(case)[1]}"')[1].split("</tr>")[0]
    assert " disabled" not in other


@pytest.mark.parametrize("action", ["save", "verify"])
def test_a_forged_tick_on_an_item_without_a_file_is_refused_and_saves_nothing(
    client, staff, case, action
):
    code = _without_file(case)
    response = client.post(reverse("review_inbox:verify", args=[case.pk]), checklist(case, action))
    assert response.status_code == 400
    assert "未上传，不能勾选" in response.content.decode() and "N-5.1" in response.content.decode()
    assert not VerificationCheck.objects.filter(review__application=case).exists()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    # Unticked, the same item is saved as not submitted.
    response = client.post(
        reverse("review_inbox:verify", args=[case.pk]), checklist(case, "save", failing=[code])
    )
    assert response.status_code == 302
    assert not VerificationCheck.objects.get(review__application=case, item_code=code).present
