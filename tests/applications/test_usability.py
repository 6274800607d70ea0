"""Applicant wizard usability (issue 22): specific titles, the draft form to print and stamp in
steps 3 and 4, and no 填写新申请 once the round's application is submitted."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications import workflow
from tests.factories import ApplicantFactory

from .conftest import SH, applicant_of, build_application

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2023, 5, 10, 10, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("step", "label"),
    [
        ("institution", "机构信息"),
        ("occupations", "申报职业"),
        ("materials", "申请材料"),
        ("review", "确认提交"),
    ],
)
def test_each_wizard_step_has_its_own_title(client, application, step: str, label: str):
    client.force_login(applicant_of(application))
    page = client.get(reverse(f"applications:step_{step}", args=[application.pk])).content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert title.startswith(f"{label} · {application.institution.name} · ")


@pytest.mark.parametrize(
    ("step", "offered"), [("occupations", False), ("materials", True), ("review", True)]
)
def test_steps_three_and_four_offer_the_draft_form_to_stamp(client, application, step, offered):
    client.force_login(applicant_of(application))
    page = client.get(reverse(f"applications:step_{step}", args=[application.pk])).content.decode()
    pdf = reverse("applications:pdf", args=[application.pk])
    assert (f'href="{pdf}"' in page) is offered
    if offered:
        assert client.get(pdf)["Content-Type"] == "application/pdf"


def test_a_draft_is_continued_and_a_submitted_round_not_offered_again(client, application):
    user = applicant_of(application)
    client.force_login(user)
    with time_machine.travel(IN_PERIOD, tick=False):
        listed = client.get(reverse("applications:list")).content.decode()
        assert "填写新申请" not in listed and "继续填写" in listed
        workflow.perform(application, "submit", user)
        listed = client.get(reverse("applications:list")).content.decode()
        assert "填写新申请" not in listed
        # A stale page's button leads to the case page, not to a 403 on a step.
        response = client.post(
            reverse("applications:new"), {"round": application.round_id}, follow=True
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[application.pk])
    assert "已提交" in page and "不能修改" not in page and "请继续填写" not in page


def test_a_round_without_an_application_is_offered(client):
    client.force_login(ApplicantFactory())
    with time_machine.travel(IN_PERIOD, tick=False):
        assert "填写新申请" in client.get(reverse("applications:list")).content.decode()


def test_the_applicants_pdf_shows_its_contact_in_full_and_staffs_masked(client):
    import io

    from pypdf import PdfReader

    from evalorg.institutions.masking import mask_phone
    from tests.factories import CityStaffFactory

    case = build_application()
    with time_machine.travel(IN_PERIOD, tick=False):
        case = workflow.perform(case, "submit", applicant_of(case))
    phone = case.institution.contact_phone
    assert phone

    def text(user) -> str:
        client.force_login(user)
        pdf = client.get(reverse("applications:pdf", args=[case.pk])).content
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    assert phone in text(applicant_of(case))
    staff_copy = text(CityStaffFactory())
    assert phone not in staff_copy and mask_phone(phone) in staff_copy
