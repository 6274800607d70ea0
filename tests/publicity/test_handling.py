"""Staff handle objections; the institution sees outcomes, never who objected (N-4.1.3)."""

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.notify.models import OutboundEmail
from tests.applications.conftest import applicant_of
from tests.factories import ApplicantFactory, CityStaffFactory
from tests.publicity.conftest import DURING, approved, objection, published

pytestmark = pytest.mark.django_db
IDENTITY = ("王异议", "13912345678", "objector@example.org")


@pytest.fixture
def case_and_objection(staff):
    case = approved()
    notice = published([case], staff)
    return case, objection(notice, case)


def test_staff_investigate_then_uphold_with_a_reason(client, staff, case_and_objection):
    _case, item = case_and_objection
    client.force_login(staff)
    with time_machine.travel(DURING, tick=False):
        client.force_login(staff)
        page = client.get(reverse("publicity:objection", args=[item.pk])).content.decode()
        assert all(value in page for value in IDENTITY)  # staff see who objected
        client.post(
            reverse("publicity:objection_action", args=[item.pk, "investigate"]),
            {"confirm": "yes"},
        )
        refused = client.post(
            reverse("publicity:objection_action", args=[item.pk, "uphold"]),
            {"confirm": "yes"},
            follow=True,
        )
        assert "请填写“异议成立”的理由" in refused.content.decode()
        client.post(
            reverse("publicity:objection_action", args=[item.pk, "uphold"]),
            {"reason": "经核实，培训场地不存在。", "confirm": "yes"},
        )
    item.refresh_from_db()
    assert item.status == "upheld" and item.resolved_by == staff
    assert item.resolution == "经核实，培训场地不存在。"
    events = AuditEvent.objects.filter(object_type="publicity.objection").order_by("id")
    actions = [a for a in events.values_list("action", flat=True) if a != "objection_viewed"]
    assert actions == ["objection_filed", "investigate", "uphold"]
    assert events.filter(action="objection_viewed", actor=staff).exists()  # identity read
    email = OutboundEmail.objects.get(to=["objector@example.org"])
    assert "异议成立" in email.body and "培训场地不存在" in email.body


def test_no_email_to_an_objector_who_gave_only_a_phone(staff):
    case = approved()
    notice = published([case], staff)
    item = objection(notice, case, email="")
    with time_machine.travel(DURING, tick=False):
        perform(item, "investigate", staff)
        perform(item, "dismiss", staff, reason="不成立")
    assert not OutboundEmail.objects.filter(subject__contains=item.number).exists()


def test_the_institution_sees_the_outcome_but_never_the_objector(client, staff, case_and_objection):
    case, item = case_and_objection
    with time_machine.travel(DURING, tick=False):
        perform(item, "investigate", staff)
        perform(item, "dismiss", staff, reason="反映内容与事实不符。")
    client.force_login(applicant_of(case))
    pages = [
        client.get(reverse("applications:detail", args=[case.pk])),
        client.get(reverse("applications:list")),
        client.get(reverse("notify:list")),
    ]
    detail = pages[0].content.decode()
    assert item.number in detail and "异议不成立" in detail and "反映内容与事实不符" in detail
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert not any(value in body for value in IDENTITY), response.request["PATH_INFO"]


def test_an_applicant_cannot_see_objections(client, staff, case_and_objection):
    case, item = case_and_objection
    for user in (applicant_of(case), ApplicantFactory()):
        client.force_login(user)
        for url in [
            reverse("publicity:objections", args=[item.notice_id]),
            reverse("publicity:objection", args=[item.pk]),
        ]:
            response = client.get(url)
            assert response.status_code == 403
            assert "王异议" not in response.content.decode()


def test_another_institution_does_not_see_this_case_section(client, staff, case_and_objection):
    case, _item = case_and_objection
    client.force_login(ApplicantFactory())
    assert client.get(reverse("applications:detail", args=[case.pk])).status_code == 404


def test_city_staff_cannot_handle_objections(client, staff, case_and_objection):
    _case, item = case_and_objection
    city = CityStaffFactory()
    client.force_login(city)
    action = reverse("publicity:objection_action", args=[item.pk, "investigate"])
    assert client.get(reverse("publicity:objection", args=[item.pk])).status_code == 403
    assert client.post(action, {"confirm": "yes"}).status_code == 403
    with pytest.raises(TransitionRefused, match="您无权"):
        perform(item, "investigate", city)
    item.refresh_from_db()
    assert item.status == "received"


def test_anonymous_may_read_public_pages_but_not_staff_pages(client, staff, case_and_objection):
    _case, item = case_and_objection
    notice_id = item.notice_id
    for url in [
        reverse("public:notices"),
        reverse("public:notice", args=[notice_id]),
        reverse("public:notice_pdf", args=[notice_id]),
    ]:
        assert client.get(url).status_code in {200, 202}, url  # 202: the PDF being built
    for url in [
        reverse("publicity:list"),
        reverse("publicity:notice", args=[notice_id]),
        reverse("publicity:objections", args=[notice_id]),
        reverse("publicity:objection", args=[item.pk]),
        reverse("publicity:evidence", args=[item.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
