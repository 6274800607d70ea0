"""A filed identity is fixed (issue 21 item 1, N-5.2): the profile edit refuses the name, legal
form, registered address and USCC of an organization with a filing or an open application;
they change only through a request the supervising agency approves, with evidence, audited and
told to the organization; the registry shows former names and its ETag follows them."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalorg.applications.models import Application
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused, perform
from evalorg.institutions.identity import request_change
from evalorg.institutions.models import FormerName, IdentityChange, Institution
from evalorg.notify.models import Message
from tests.applications.conftest import SH
from tests.factories import (
    MINIMAL_PDF,
    ApplicantFactory,
    CityStaffFactory,
    InstitutionFactory,
    city_agency,
    make_uscc,
)
from tests.filing.conftest import province_staff, registry_row
from tests.institutions.test_pages import PROFILE_EDIT, signup_data

pytestmark = pytest.mark.django_db

NEW = reverse("institutions:identity_change_new")
LIST = reverse("institutions:identity_changes")
TODAY = datetime(2024, 1, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("营业执照.pdf", MINIMAL_PDF, content_type="application/pdf")


@pytest.fixture
def filed(db):
    """A filed organization (its letter in the registry) and one of its accounts."""
    letter = registry_row(
        InstitutionFactory(name="广州焊接技术学院", address="广州市天河区 1 号"), number=1
    )
    institution = letter.application.institution
    return institution, ApplicantFactory(institution=institution)


@pytest.fixture
def applicant(db):
    return ApplicantFactory(institution=InstitutionFactory(address="广州市天河区 1 号"))


def edit_data(institution: Institution, **overrides: str) -> dict[str, str]:
    data = signup_data(
        uscc=institution.uscc,
        name=institution.name,
        category=institution.category,
        city=institution.city_id,
        county=institution.county_id or "",
        address=institution.address,
        legal_rep_id_number="",
        contact_email=institution.contact_email,
    )
    return {**data, **overrides}


def change_data(institution: Institution, **overrides) -> dict:
    data = {
        "name": institution.name,
        "category": institution.category,
        "other_kind": "",
        "city": institution.city_id,
        "county": institution.county_id or "",
        "address": institution.address or "广州市天河区 1 号",
        "explanation": "经市场监管部门核准更名。",
        "evidence": evidence(),
    }
    return {**data, **overrides}


# ---- the profile edit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [("name", "另一个名称有限公司"), ("category", "college"), ("address", "深圳市某路 1 号")],
)
def test_profile_edit_refuses_identity_fields_of_a_filed_organization(client, filed, field, value):
    institution, user = filed
    client.force_login(user)
    response = client.post(PROFILE_EDIT, edit_data(institution, **{field: value}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "须通过" in html or "请提交登记信息变更申请" in html
    assert "（N-5.2）" in html and NEW in html
    institution.refresh_from_db()
    assert getattr(institution, field) != value


def test_profile_edit_still_saves_contacts_of_a_filed_organization(client, filed):
    institution, user = filed
    client.force_login(user)
    response = client.post(PROFILE_EDIT, edit_data(institution, contact_name="新联系人"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.contact_name == "新联系人"


def test_an_open_application_fixes_the_identity_and_a_draft_does_not(client, applicant):
    from tests.applications.conftest import build_application

    institution = applicant.membership.institution
    application = build_application(institution)
    client.force_login(applicant)
    assert application.state == "draft"
    data = edit_data(institution, name="草稿阶段改名有限公司")
    assert client.post(PROFILE_EDIT, data).status_code == 302
    Application.objects.filter(pk=application.pk).update(state="submitted")  # test set-up
    data = edit_data(Institution.objects.get(pk=institution.pk), name="提交后改名有限公司")
    assert client.post(PROFILE_EDIT, data).status_code == 400
    assert Institution.objects.get(pk=institution.pk).name == "草稿阶段改名有限公司"


def test_the_uscc_never_changes_and_says_nothing_of_other_codes(client, applicant):
    """No oracle: a code another institution holds and a free one get the same answer."""
    institution = applicant.membership.institution
    client.force_login(applicant)
    taken = InstitutionFactory().uscc
    free = make_uscc(division="440106", serial=777001)
    answers = []
    for code in (taken, free):
        response = client.post(PROFILE_EDIT, edit_data(institution, uscc=code))
        assert response.status_code == 400
        html = response.content.decode()
        assert "统一社会信用代码注册后不能更改" in html and "已注册" not in html
        answers.append(
            re.sub(r'(value="|X-CSRFToken": ")[A-Za-z0-9]{64}"', "", html).replace(code, "C")
        )
    assert answers[0] == answers[1]
    institution.refresh_from_db()
    assert institution.uscc not in (taken, free)


# ---- the request ----------------------------------------------------------------------------


def test_a_request_is_stored_pending_with_evidence_and_audited(client, filed):
    institution, user = filed
    client.force_login(user)
    staff = CityStaffFactory()
    response = client.post(NEW, change_data(institution, name="广州焊接职业技术学院"))
    assert response.status_code == 302
    change = IdentityChange.objects.get(institution=institution)
    assert change.status == "pending" and change.after == {"name": "广州焊接职业技术学院"}
    assert change.before["name"] == "广州焊接技术学院" and change.evidence.kind == "pdf"
    assert AuditEvent.objects.for_object(change).filter(action="identity_change_requested")
    assert Message.objects.filter(recipient=staff, subject__contains="登记信息变更").exists()
    institution.refresh_from_db()
    assert institution.name == "广州焊接技术学院"  # nothing changes before approval


def test_a_request_without_evidence_or_change_or_with_another_name_is_refused(client, filed):
    institution, user = filed
    client.force_login(user)
    other = InstitutionFactory(name="深圳电工培训中心")
    no_file = change_data(institution, name="新名称有限公司")
    del no_file["evidence"]
    assert client.post(NEW, no_file).status_code == 400
    response = client.post(NEW, change_data(institution))
    assert response.status_code == 400 and "无需申请变更" in response.content.decode()
    response = client.post(NEW, change_data(institution, name=other.name))
    assert response.status_code == 400 and "已有其他机构使用该名称" in response.content.decode()
    assert not IdentityChange.objects.exists()


def _pending(institution: Institution, user, **after: str) -> IdentityChange:
    from evalorg.institutions.identity import identity_of

    return request_change(
        institution,
        user,
        after=identity_of(institution) | after,
        explanation="更名",
        evidence=evidence(),
    )


def test_approval_renames_keeps_the_former_name_and_tells_the_organization(client, filed):
    institution, user = filed
    change = _pending(institution, user, name="广州焊接职业技术学院", address="广州市新地址")
    staff = CityStaffFactory()
    client.force_login(staff)
    page = client.get(reverse("institutions:identity_change", args=[change.pk])).content.decode()
    assert "广州焊接职业技术学院" in page and 'data-action="approve_identity_change"' in page
    url = reverse("institutions:identity_change", args=[change.pk])
    response = client.post(url, {"action": "approve_identity_change", "confirm": "yes"})
    assert response.status_code == 302
    change.refresh_from_db()
    institution.refresh_from_db()
    assert change.status == "approved" and change.decided_at is not None
    assert institution.name == "广州焊接职业技术学院" and institution.address == "广州市新地址"
    assert list(FormerName.objects.values_list("name", flat=True)) == ["广州焊接技术学院"]
    assert AuditEvent.objects.for_object(change).filter(action="approve_identity_change")
    assert AuditEvent.objects.for_object(institution).filter(action="institution_identity_changed")
    assert Message.objects.filter(recipient=user, subject__contains="已同意").exists()


def test_rejection_needs_a_reason_and_changes_nothing(filed):
    institution, user = filed
    change = _pending(institution, user, name="广州焊接职业技术学院")
    staff = CityStaffFactory()
    with pytest.raises(TransitionRefused):
        perform(change, "reject_identity_change", staff)
    perform(change, "reject_identity_change", staff, reason="证明材料不清晰")
    institution.refresh_from_db()
    assert institution.name == "广州焊接技术学院" and not FormerName.objects.exists()
    assert Message.objects.filter(recipient=user, subject__contains="未同意").exists()


def test_only_the_supervising_agency_decides(client, filed):
    institution, user = filed
    change = _pending(institution, user, name="广州焊接职业技术学院")
    url = reverse("institutions:identity_change", args=[change.pk])
    shenzhen = CityStaffFactory(agency=city_agency("440300"))
    with pytest.raises(TransitionRefused):
        perform(change, "approve_identity_change", shenzhen)
    client.force_login(shenzhen)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "approve_identity_change"}).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 403
    perform(change, "approve_identity_change", province_staff())
    assert Institution.objects.get(pk=institution.pk).name == "广州焊接职业技术学院"


def test_approval_is_refused_when_the_name_was_taken_meanwhile(filed):
    institution, user = filed
    change = _pending(institution, user, name="广州焊接职业技术学院")
    InstitutionFactory(name="广州焊接职业技术学院")
    with pytest.raises(TransitionRefused, match="已有其他机构使用该名称"):
        perform(change, "approve_identity_change", CityStaffFactory())


def test_the_list_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = CityStaffFactory()
    client.force_login(staff)

    def one_more() -> None:
        institution = InstitutionFactory()
        _pending(
            institution, ApplicantFactory(institution=institution), name=f"新{institution.name}"
        )

    one_more()
    client.get(LIST)
    with CaptureQueriesContext(connection) as first:
        assert client.get(LIST).status_code == 200
    for _ in range(8):
        one_more()
    with django_assert_num_queries(len(first)):
        html = client.get(LIST).content.decode()
    assert html.count("/institution/identity-changes/") >= 9


# ---- the registry ---------------------------------------------------------------------------


def test_the_registry_shows_former_names_and_its_etag_follows_the_identity(client, filed):
    institution, user = filed
    csv_url = reverse("registry:csv")
    etag = client.get(csv_url)["ETag"]
    assert client.get(csv_url, headers={"if-none-match": etag}).status_code == 304
    perform(
        _pending(institution, user, name="广州焊接职业技术学院"),
        "approve_identity_change",
        CityStaffFactory(),
    )
    response = client.get(csv_url, headers={"if-none-match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    body = b"".join(response.streaming_content).decode()
    assert "广州焊接职业技术学院" in body and "广州焊接技术学院" in body
    data = json.loads(b"".join(client.get(reverse("registry:json")).streaming_content))
    assert data["items"][0]["former_names"] == ["广州焊接技术学院"]
    html = client.get(reverse("registry:list") + "?q=焊接技术学院").content.decode()
    assert "曾用名：广州焊接技术学院" in html  # found by its former name


def test_the_registry_etag_follows_any_shown_field(client, filed):
    institution, _user = filed
    url = reverse("registry:json")
    etag = client.get(url)["ETag"]
    with time_machine.travel(TODAY.replace(minute=5), tick=False):
        Institution.objects.filter(pk=institution.pk).update(  # test set-up: a data fix
            category="college", updated_at=datetime(2024, 1, 10, 10, 5, tzinfo=SH)
        )
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_registry_csv_cells_are_never_formulas(client):
    registry_row(InstitutionFactory(name='=HYPERLINK("http://x")有限公司'), number=3)
    body = b"".join(client.get(reverse("registry:csv")).streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_the_application_wizard_is_no_way_around_the_change_request(client, filed):
    """A filed organization's expansion draft: step 1 of the wizard refuses a new name (it
    edits the same institution) and still saves the other facts."""
    from tests.applications.conftest import build_application

    institution, user = filed
    draft = build_application(institution, kind="expansion")
    client.force_login(user)
    url = reverse("applications:step_institution", args=[draft.pk])
    data = {
        "name": "改名绕行有限公司",
        "category": institution.category,
        "other_kind": "",
        "level": institution.level,
        "city": institution.city_id,
        "county": institution.county_id,
        "address": institution.address,
        "recommending_authority": "",
        "route": "",
    }
    response = client.post(url, data)
    assert (
        response.status_code in (200, 400) and "请提交登记信息变更申请" in response.content.decode()
    )
    assert Institution.objects.get(pk=institution.pk).name == "广州焊接技术学院"
    assert client.post(url, {**data, "name": institution.name}).status_code == 302
