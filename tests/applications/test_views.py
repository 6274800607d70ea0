"""Applicant pages, uploads and access to cases and files (issue #3)."""

import io
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from evalorg.applications import workflow
from evalorg.applications.models import Application, Material, State
from evalorg.rounds.models import Round
from tests.factories import (
    MINIMAL_PDF,
    ApplicantFactory,
    CityStaffFactory,
    InstitutionFactory,
    city_agency,
)

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db


def _submitted(application=None):
    application = application or build_application()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def test_anonymous_is_sent_to_login(client, application):
    response = client.get(reverse("applications:detail", args=[application.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_institution_cannot_see_case_or_download_files(client, application):
    client.force_login(ApplicantFactory())
    material = application.materials.first()
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404
    url = reverse("applications:material_download", args=[application.pk, material.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("applications:pdf", args=[application.pk])).status_code == 404


def test_anonymous_cannot_download_files(client, application):
    material = application.materials.first()
    url = reverse("applications:material_download", args=[application.pk, material.pk])
    assert client.get(url).status_code == 302


def test_owner_downloads_material_with_chinese_name(client, application):
    client.force_login(applicant_of(application))
    material = application.materials.first()
    url = reverse("applications:material_download", args=[application.pk, material.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_city_sees_only_applications_routed_to_it(client):
    guangzhou_case = _submitted()
    shenzhen_case = _submitted(
        build_application(InstitutionFactory(city_id="440300", county_id="440305"))
    )
    client.force_login(CityStaffFactory())
    listing = client.get(reverse("applications:list")).content.decode()
    assert guangzhou_case.institution.name in listing
    assert shenzhen_case.institution.name not in listing
    assert client.get(reverse("applications:detail", args=[shenzhen_case.pk])).status_code == 404
    assert client.get(reverse("applications:detail", args=[guangzhou_case.pk])).status_code == 200


def test_city_does_not_see_drafts(client, application):
    client.force_login(CityStaffFactory())
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404


def test_other_city_cannot_act_on_case(client):
    case = _submitted()
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    url = reverse("applications:action", args=[case.pk, "return_for_correction"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def _upload(client, application, code, name, content):
    url = reverse("applications:material_upload", args=[application.pk, code])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_exe_renamed_pdf_is_refused_and_draft_unchanged(client, application):
    client.force_login(applicant_of(application))
    before = list(Material.objects.filter(application=application).values_list("pk", "is_current"))
    response = _upload(
        client, application, "application_form", "申请表.pdf", b"MZ\x90\x00" + b"\x00" * 200
    )
    assert response.status_code == 400
    assert "申请表.pdf" in response.content.decode()
    after = list(Material.objects.filter(application=application).values_list("pk", "is_current"))
    assert before == after


def test_oversize_file_is_refused(client, application):
    item = application.round.checklist.get(code="credit")
    item.max_bytes = 1024
    item.save()
    client.force_login(applicant_of(application))
    response = _upload(client, application, "credit", "信用.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    assert response.status_code == 400
    assert application.materials.filter(item_code="credit", is_current=True).count() == 1


def test_valid_upload_adds_a_current_version(client, application):
    client.force_login(applicant_of(application))
    response = _upload(client, application, "influence", "影响力.pdf", MINIMAL_PDF)
    assert response.status_code == 302
    assert application.materials.filter(item_code="influence", is_current=True).count() == 2


def test_submitted_application_is_no_longer_editable(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    url = reverse("applications:step_institution", args=[case.pk])
    assert client.get(url).status_code == 403


def test_review_page_submits_and_shows_acknowledgement(client, application):
    client.force_login(applicant_of(application))
    with time_machine.travel(datetime(2023, 5, 19, 20, 0, tzinfo=SH), tick=False):
        response = client.post(
            reverse("applications:step_review", args=[application.pk]),
            {"confirm": "on"},
            follow=True,
        )
    assert "2023-4401-0001" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_review_page_after_deadline_explains_refusal(client, application):
    client.force_login(applicant_of(application))
    with time_machine.travel(datetime(2023, 5, 20, 0, 0, 1, tzinfo=SH), tick=False):
        response = client.post(
            reverse("applications:step_review", args=[application.pk]), {"confirm": "on"}
        )
    body = response.content.decode()
    assert "N-4.1.1" in body and "已截止" in body
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_application_pdf_contains_the_answers(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    response = client.get(reverse("applications:pdf", args=[case.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert case.institution.name in text and case.institution.uscc in text
    assert "焊工" in text and case.acknowledgement_no in text


def test_receiving_agency_downloads_pdf(client):
    case = _submitted()
    client.force_login(CityStaffFactory())
    assert client.get(reverse("applications:pdf", args=[case.pk])).status_code == 200


def test_staff_list_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    staff = CityStaffFactory()
    _submitted()
    client.force_login(staff)
    with django_assert_max_num_queries(50) as one:
        client.get(reverse("applications:list"))
    for _ in range(5):
        _submitted()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("applications:list"))
    assert response.content.decode().count("2023-4401-") == 6


def test_applicant_creates_draft_in_open_round_only(client):
    user = ApplicantFactory()
    client.force_login(user)
    from evalorg.rounds.models import Round

    round_2023 = Round.objects.get(code="gd-2023")
    response = client.post(reverse("applications:new"), {"round": round_2023.pk}, follow=True)
    assert "不在申请期内" in response.content.decode()
    assert not Application.objects.exists()
    with time_machine.travel(datetime(2023, 5, 1, tzinfo=SH), tick=False):
        response = client.post(reverse("applications:new"), {"round": round_2023.pk})
    assert Application.objects.get().state == State.DRAFT


def test_replacing_a_material_keeps_one_current_file_and_the_old_as_earlier(client, application):
    application.state = State.RETURNED_FOR_CORRECTION  # once submitted, versions are kept
    application.save()
    old = application.materials.get(item_code="credit", is_current=True)
    client.force_login(applicant_of(application))
    url = reverse("applications:material_upload", args=[application.pk, "credit"])
    pdf = SimpleUploadedFile("信用（新）.pdf", MINIMAL_PDF)
    response = client.post(url, {"file": pdf, "replaces": old.pk})
    assert response.status_code == 302
    current = application.materials.filter(item_code="credit", is_current=True)
    assert [m.file.original_name for m in current] == ["信用（新）.pdf"]
    old.refresh_from_db()
    assert not old.is_current and old.replaced_at is not None


def test_replacing_a_material_in_a_never_submitted_draft_deletes_the_old(client, application):
    old = application.materials.get(item_code="credit", is_current=True)
    client.force_login(applicant_of(application))
    url = reverse("applications:material_upload", args=[application.pk, "credit"])
    pdf = SimpleUploadedFile("信用（新）.pdf", MINIMAL_PDF)
    assert client.post(url, {"file": pdf, "replaces": old.pk}).status_code == 302
    assert [m.file.original_name for m in application.materials.filter(item_code="credit")] == [
        "信用（新）.pdf"
    ]


def test_a_refused_replacement_keeps_the_old_file_current(client, application):
    old = application.materials.get(item_code="credit", is_current=True)
    client.force_login(applicant_of(application))
    url = reverse("applications:material_upload", args=[application.pk, "credit"])
    fake = SimpleUploadedFile("信用.pdf", b"MZ this is not a pdf")
    assert client.post(url, {"file": fake, "replaces": old.pk}).status_code == 400
    old.refresh_from_db()
    assert old.is_current


def test_another_institution_cannot_replace_a_material(client, application):
    from tests.factories import ApplicantFactory

    old = application.materials.get(item_code="credit", is_current=True)
    client.force_login(ApplicantFactory())
    url = reverse("applications:material_upload", args=[application.pk, "credit"])
    pdf = SimpleUploadedFile("x.pdf", MINIMAL_PDF)
    assert client.post(url, {"file": pdf, "replaces": old.pk}).status_code == 404
    old.refresh_from_db()
    assert old.is_current


def test_a_malformed_round_is_a_404_not_a_500(client, application):
    client.force_login(applicant_of(application))
    response = client.post(reverse("applications:new"), {"round": "abc"})
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_application_requests_create_one():
    """Issue 11: four at once created up to four on PostgreSQL."""
    import threading

    from django.db import connection, connections
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises every writer anyway")
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        user = ApplicantFactory()
        round_id = Round.objects.get(code="gd-2023").pk
        barrier = threading.Barrier(4)

        def create():
            try:
                client = Client()
                client.force_login(user)
                barrier.wait()
                client.post(reverse("applications:new"), {"round": round_id})
            finally:
                connections.close_all()

        threads = [threading.Thread(target=create) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert Application.objects.filter(institution=user.membership.institution).count() == 1


def test_wizard_step_one_offers_only_the_chosen_citys_counties(client, application):
    client.force_login(applicant_of(application))
    page = client.get(
        reverse("applications:step_institution", args=[application.pk])
    ).content.decode()
    assert "天河区" in page and "南山区" not in page  # a Guangzhou institution
    assert 'class="form-control' in page and reverse("institutions:county_options") in page


def test_the_draft_pdf_is_watermarked_and_does_not_claim_the_promise(client, application):
    application.declarations_confirmed = False
    application.save()
    client.force_login(applicant_of(application))
    response = client.get(reverse("applications:pdf", args=[application.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "草稿" in text and "已确认" not in text.replace("\n", "")


def test_the_submitted_pdf_has_no_draft_mark(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    response = client.get(reverse("applications:pdf", args=[case.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "草稿" not in text and "已确认" in text.replace("\n", "")


def test_staff_reads_of_the_application_pdf_are_audited_and_the_applicants_are_not(client):
    from evalorg.core.models import AuditEvent

    case = _submitted()
    url = reverse("applications:pdf", args=[case.pk])
    client.force_login(applicant_of(case))
    assert client.get(url).status_code == 200
    assert not AuditEvent.objects.filter(action="application_pdf_viewed").exists()
    staff = CityStaffFactory()
    client.force_login(staff)
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get(action="application_pdf_viewed")
    assert event.actor == staff and event.audience == "internal"  # a read of personal data
