"""Form errors tied to their fields for screen readers (issue 22, "Every page": WCAG 2.1 AA
3.3.1 and 1.3.1) in the templates whose inputs are written by hand rather than rendered by
Django: the verification checklist, the expert's scoresheet and conflict declaration, and the
city's expert pool. When a form is refused, the refused field has a label, aria-invalid="true"
and aria-describedby naming the element that holds the message.

Client tests (the server's HTML is what a screen reader is given), kept beside the browser
tests of issue 22's accessibility."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest
import time_machine
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.materials import applicable_items
from evalorg.review.models import Assignment, Panel, PanelMember
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import CityStaffFactory, UserFactory, make_uscc
from tests.review.conftest import verified

pytestmark = pytest.mark.django_db


def assert_tied(html: str, field_id: str, message: str) -> None:
    """The field is labelled, marked invalid and described by an element holding ``message``;
    for a radio or checkbox group, its fieldset is described so."""
    doc = lxml.html.fromstring(html)
    field = doc.get_element_by_id(field_id)
    assert field.get("aria-invalid") == "true", lxml.html.tostring(field)
    labelled = doc.xpath(f'//label[@for="{field_id}"]') or field.xpath("ancestor::label")
    assert labelled, f"{field_id} has no label"
    described_by = field.get("aria-describedby") or field.xpath("ancestor::fieldset[1]")[0].get(
        "aria-describedby"
    )
    assert described_by, f"{field_id} names no description"
    described = " ".join(doc.get_element_by_id(i).text_content() for i in described_by.split())
    assert message in described, (field_id, described)


# ---- verification (材料初审) ----------------------------------------------------------------


@pytest.fixture
def submitted(client):
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        case = build_application()
        case = workflow.perform(case, "submit", applicant_of(case))
        client.force_login(CityStaffFactory())
        yield case


def test_a_refused_return_for_correction_is_read_with_the_general_note(client, submitted):
    url = reverse("review_inbox:verify", args=[submitted.pk])
    response = client.post(url, {"action": "return_for_correction", "general_note": ""})
    assert response.status_code == 400
    assert_tied(response.content.decode(), "id_general_note", "退回补正须说明理由")


def test_a_too_long_note_is_read_with_its_material(client, submitted):
    code = applicable_items(submitted)[0].code
    url = reverse("review_inbox:verify", args=[submitted.pk])
    response = client.post(url, {"action": "save", f"{code}-note": "意" * 501})
    assert response.status_code == 400
    assert_tied(response.content.decode(), f"id_{code}-note", "500")


# ---- the expert's declaration and scoresheet ------------------------------------------------


@pytest.fixture
def expert_case(client):
    staff = CityStaffFactory()
    case = verified(staff)
    panel = Panel.objects.create(
        agency=staff.agency, round=case.round, stage="city_assessment", name="广州评审组"
    )
    expert = UserFactory(role="expert")
    PanelMember.objects.create(panel=panel, expert=expert)
    Assignment.objects.create(panel=panel, application=case)
    client.force_login(expert)
    return case


def test_the_declarations_refused_fields_are_tied(client, expert_case):
    url = reverse("expert:declare", args=[expert_case.pk])
    response = client.post(url, {"kind": "other", "note": ""})
    assert response.status_code == 400
    assert_tied(response.content.decode(), "id_note", "请说明回避情形")
    response = client.post(url, {"note": ""})  # no choice: the radio group is refused
    assert response.status_code == 400
    assert_tied(response.content.decode(), "id_kind_0", "请选择是否存在利益冲突")


def test_the_scoresheets_refused_score_and_opinion_are_tied(client, expert_case):
    declared = client.post(
        reverse("expert:declare", args=[expert_case.pk]), {"kind": "none", "note": ""}
    )
    assert declared.status_code == 302
    url = reverse("expert:scoresheet", args=[expert_case.pk])
    data = {"version": "0", "action": "submit", "confirm": "yes", "score_scale_position": "abc"}
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert_tied(html, "id_score_scale_position", "“规模与产业地位”的得分应为数字")
    assert_tied(html, "id_opinion_0", "提交前请选择总体意见")


# ---- the city's expert pool ------------------------------------------------------------------


def test_the_expert_pools_refused_fields_are_tied(client):
    client.force_login(CityStaffFactory())
    data = {
        "full_name": "李专家",
        "employer_name": "广州职业技术学院",
        "employer_uscc": "12345",
        "phone": "13912345678",
        "email": "li.expert@example.cn",
    }
    response = client.post(reverse("panels:experts"), data)
    assert response.status_code == 400
    html = response.content.decode()
    doc = lxml.html.fromstring(html)
    error = doc.get_element_by_id("id_employer_uscc_error").text_content().strip()
    assert error
    assert_tied(html, "id_employer_uscc", error)
    assert make_uscc  # the valid form is tests/review/test_expert_pool.py's
