"""The commitment letter (附件5, N-4.2): signed online by the legal representative's name,
audited, as PDF; nothing else of cultivation opens before it is signed."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from evalorg.applications.models import Application, State
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.cultivation.commitment import (
    CommitmentNotSigned,
    commitment_refusal,
    letter_text,
    require_signed,
    sign,
)
from evalorg.cultivation.models import CommitmentLetter
from evalorg.rounds.models import DEFAULT_COMMITMENT_TEMPLATE, Round
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import cultivating, ready_deliverables
from tests.factories import ApplicantFactory, CityStaffFactory, city_agency

pytestmark = pytest.mark.django_db
SIGNING = datetime(2025, 3, 5, 9, 30, tzinfo=SH)


def test_the_default_letter_holds_the_six_commitments_and_is_per_round():
    round_ = Round.objects.get(code="gd-2023")
    assert round_.commitment_template == DEFAULT_COMMITMENT_TEMPLATE
    for phrase in ("遵守", "监督", "题库开发", "个人信息", "收取其他费用", "变更"):
        assert phrase in DEFAULT_COMMITMENT_TEMPLATE
    case = cultivating()
    Round.objects.filter(pk=round_.pk).update(commitment_template="{institution}承诺：守法。")
    case.round.refresh_from_db()
    assert letter_text(case) == f"{case.institution.name}承诺：守法。"


def test_the_legal_representative_signs_once_audited_with_ip():
    case = cultivating()
    user = applicant_of(case)
    with pytest.raises(TransitionRefused, match=r"法定代表人.*N-4\.2"):
        sign(case, user, "李四", "203.0.113.9")
    assert not CommitmentLetter.objects.exists()
    with time_machine.travel(SIGNING, tick=False):
        letter = sign(case, user, "张三", "203.0.113.9")  # spaces do not matter
    assert (letter.signed_name, letter.signed_ip, letter.signed_by) == ("张三", "203.0.113.9", user)
    assert letter.signed_at == SIGNING and case.institution.name in letter.text
    event = AuditEvent.objects.for_object(case).get(action="commitment_signed")
    assert event.audience == "applicant" and event.data["ip"] == "203.0.113.9"
    with pytest.raises(TransitionRefused, match="已签署"):
        sign(case, user, "张三", None)
    assert CommitmentLetter.objects.count() == 1


def test_only_the_own_institution_signs_and_only_in_cultivation():
    case = cultivating()
    with pytest.raises(TransitionRefused, match="SPEC-1"):
        sign(case, CityStaffFactory(), "张三", None)
    with pytest.raises(TransitionRefused, match="SPEC-1"):
        sign(case, ApplicantFactory(), "张三", None)
    Application.objects.filter(pk=case.pk).update(state=State.ELIMINATED)
    case.refresh_from_db()
    with pytest.raises(TransitionRefused, match=r"N-4\.2"):
        sign(case, applicant_of(case), "张三", None)
    assert not CommitmentLetter.objects.exists()


def test_require_signed_refuses_until_the_letter_is_signed():
    case = cultivating()
    with pytest.raises(CommitmentNotSigned) as refused:
        require_signed(case)
    assert refused.value.refusal.clause == "N-4.2" and commitment_refusal(case) is not None
    sign(case, applicant_of(case), "张三", None)
    assert require_signed(case) is None and commitment_refusal(case) is None


def test_signing_on_the_page_records_the_ip_and_staff_read_the_pdf(client):
    case = cultivating()
    url = reverse("cultivation:commitment", args=[case.pk])
    staff = CityStaffFactory()
    client.force_login(staff)
    assert client.get(url).status_code == 404  # only the applicant signs
    client.force_login(applicant_of(case))
    page = client.get(url)
    assert (
        "收取其他费用" in page.content.decode()
        and 'data-testid="sign-form"' in page.content.decode()
    )
    bad = client.post(url, {"signed_name": "李四", "agree": "on"}, REMOTE_ADDR="198.51.100.7")
    assert bad.status_code == 200 and "签名须与" in bad.content.decode()
    done = client.post(url, {"signed_name": "张三", "agree": "on"}, REMOTE_ADDR="198.51.100.7")
    assert done.status_code == 302
    assert CommitmentLetter.objects.get(application=case).signed_ip == "198.51.100.7"
    client.force_login(staff)
    response = client.get(reverse("cultivation:commitment_pdf", args=[case.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "工作承诺书" in text and "张三" in text


def test_other_users_never_reach_the_letter(client):
    case = cultivating()
    sign(case, applicant_of(case), "张三", None)
    other_city = CityStaffFactory(agency=city_agency("440300"))
    for user in (ApplicantFactory(), other_city):
        client.force_login(user)
        assert client.get(reverse("cultivation:commitment", args=[case.pk])).status_code == 404
        pdf = client.get(reverse("cultivation:commitment_pdf", args=[case.pk]))
        assert pdf.status_code == 404


def test_no_question_bank_is_submitted_before_the_letter_is_signed():
    case = cultivating()
    line = case.occupations.first()
    user = applicant_of(case)
    with pytest.raises(TransitionRefused, match=r"承诺书.*N-4\.2"):
        perform(line, "submit_bank", user)
    sign(case, user, "张三", None)
    ready_deliverables(line)
    with time_machine.travel(SIGNING, tick=False):
        assert perform(line, "submit_bank", user).status == "bank_submitted"
