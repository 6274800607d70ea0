"""The public complaint form (N-5.2, the objection's rules): from a filed organization's registry
page, named with a contact, a captcha, checked evidence, 5 accepted an hour per address (refused
attempts do not count), a confirmation with the reference number."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.complaints.models import Complaint
from evalorg.core.models import AuditEvent
from tests.applications.conftest import PDF_BYTES
from tests.factories import InstitutionFactory

from .conftest import EMAIL, NAME, PHONE, TODAY

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "facts": "该机构认定考务管理混乱，考评人员未按规定回避。",
        "captcha_0": "test",
        "captcha_1": "PASSED",
    }
    return data | overrides


def _post(client, organization, **overrides):
    url = reverse("complaints_public:new", args=[organization.pk])
    with time_machine.travel(TODAY, tick=False):
        return client.post(url, _form(**overrides))


def test_the_registry_page_links_to_the_form(client, organization):
    page = client.get(reverse("registry:organization", args=[organization.pk])).content.decode()
    assert f'href="/public/complaints/new/{organization.pk}/"' in page and "投诉" in page


def test_a_complaint_reaches_the_local_agency_with_a_reference_number(client, organization, city):
    response = _post(client, organization)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.agency_id == city.agency_id and complaint.number == "TS-2024-0001"
    assert complaint.complainant_name == NAME and complaint.status == "received"
    with time_machine.travel(TODAY, tick=False):  # the session's 30 minutes
        done = client.get(response["Location"]).content.decode()
    assert "TS-2024-0001" in done
    event = AuditEvent.objects.get(action="complaint_filed")
    assert event.audience == "staff"
    assert NAME not in str(event.data) and PHONE not in str(event.data)
    assert _post(client, organization).status_code == 302
    assert Complaint.objects.order_by("pk").last().number == "TS-2024-0002"


def test_the_confirmation_needs_a_complaint_just_filed(client, organization):
    response = client.get(reverse("complaints_public:done", args=[organization.pk]))
    assert response.status_code == 302


def test_an_organization_not_in_the_registry_is_refused(client, organization):
    unfiled = InstitutionFactory()
    url = reverse("complaints_public:new", args=[unfiled.pk])
    assert client.get(url).status_code == 404
    with time_machine.travel(TODAY, tick=False):
        assert client.post(url, _form()).status_code == 404
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"complainant_name": ""}, "请填写真实姓名"),
        ({"complainant_phone": "", "complainant_email": ""}, "无联系方式的投诉视为匿名"),
        ({"complainant_phone": "12345"}, "请填写有效的手机号码"),
        ({"facts": ""}, "请填写投诉的事实和理由"),
    ],
)
def test_anonymous_or_incomplete_complaints_are_refused(client, organization, overrides, message):
    response = _post(client, organization, **overrides)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_captcha_is_required(client, organization):
    response = _post(client, organization, captcha_1="WRONG")
    assert response.status_code == 400 and "验证码错误" in response.content.decode()
    assert not Complaint.objects.exists()


def test_refused_attempts_do_not_count_against_the_hourly_limit(client, organization):
    for _ in range(5):
        assert _post(client, organization, captcha_1="WRONG").status_code == 400
    assert _post(client, organization).status_code == 302
    assert Complaint.objects.count() == 1


def test_the_sixth_accepted_complaint_keeps_the_typed_content(client, organization):
    for _ in range(5):
        assert _post(client, organization).status_code == 302
    facts = "第六件：该机构出具的证书与实际不符。"
    response = _post(client, organization, facts=facts)
    page = response.content.decode()
    assert response.status_code == 429 and "提交过于频繁" in page and facts in page
    assert Complaint.objects.count() == 5


def test_attempts_of_any_outcome_are_limited_too(client, organization):
    for _ in range(30):
        _post(client, organization, captcha_1="WRONG")
    assert _post(client, organization).status_code == 429
    assert not Complaint.objects.exists()


def test_evidence_is_checked_and_kept(client, organization):
    pdf = SimpleUploadedFile("证据.pdf", PDF_BYTES)
    assert _post(client, organization, evidence=pdf).status_code == 302
    assert Complaint.objects.get().evidence.kind == "pdf"
    exe = SimpleUploadedFile("证据.pdf", b"MZ\x90\x00not a pdf")
    response = _post(client, organization, evidence=exe)
    assert response.status_code == 400 and "实际类型不是允许的类型" in response.content.decode()
    assert Complaint.objects.count() == 1


def test_evidence_over_the_size_limit_is_refused(client, organization, monkeypatch):
    monkeypatch.setattr("evalorg.complaints.complaints.EVIDENCE_MAX_BYTES", len(PDF_BYTES) - 1)
    response = _post(client, organization, evidence=SimpleUploadedFile("证据.pdf", PDF_BYTES))
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_the_upload_route_is_allowed_its_size_before_reading(settings):
    assert "complaints_public:new" in settings.EVALORG_ANONYMOUS_UPLOAD_ROUTES
