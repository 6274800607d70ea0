"""Staff reveal an institution's contact phone or e-mail on the case page (issue 22): masked
until asked, shown on a POST, and every reveal audited (who, when, which field; staff only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.accounts.models import User
from evalorg.applications.history import applicant_history, staff_history
from evalorg.core.audit import Audience
from evalorg.core.models import AuditEvent
from tests.factories import CityStaffFactory, city_agency

from .test_verification import _in_period as _in_period
from .test_verification import case as case_fixture
from .test_verification import staff as staff_fixture

case = case_fixture
staff = staff_fixture

pytestmark = pytest.mark.django_db


def reveal(client, application, field: str, **headers):
    url = reverse("review_inbox:reveal_contact", args=[application.pk, field])
    return client.post(url, **headers)


def test_the_case_page_masks_the_contact_and_offers_a_reveal(client, staff, case):
    phone = case.institution.contact_phone
    page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert phone not in page and case.institution.contact_email not in page
    assert 'data-testid="reveal-contact_phone"' in page
    assert 'data-testid="reveal-contact_email"' in page


@pytest.mark.parametrize(
    ("field", "action"),
    [("contact_phone", "contact_phone_revealed"), ("contact_email", "contact_email_revealed")],
)
def test_a_reveal_shows_the_value_and_is_audited(client, staff, case, field, action):
    response = reveal(client, case, field, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert getattr(case.institution, field) in response.content.decode()
    event = AuditEvent.objects.for_object(case).get(action=action)
    assert event.actor == staff and event.data == {"field": field}
    assert event.audience == Audience.STAFF and event.created_at is not None
    label = "显示机构联系电话" if field == "contact_phone" else "显示机构电子邮箱"
    assert label in [row.label for row in staff_history(case)]  # a read, shown with the reads


def test_without_htmx_the_value_is_on_a_page_of_its_own(client, staff, case):
    response = reveal(client, case, "contact_phone")
    assert response.status_code == 200
    body = response.content.decode()
    assert case.institution.contact_phone in body and "返回案卷" in body


def test_the_applicant_never_sees_the_reveal_in_its_history(client, staff, case):
    reveal(client, case, "contact_phone")
    assert "显示机构联系电话" not in [row.label for row in applicant_history(case)]
    assert "显示机构联系电话" in [row.label for row in staff_history(case)]  # positive control


@pytest.mark.parametrize("who", ["other_city", "applicant", "anonymous"])
def test_others_are_refused_and_nothing_is_recorded(client, case, who):
    if who == "other_city":
        client.force_login(CityStaffFactory(agency=city_agency("440300")))
    elif who == "applicant":
        client.force_login(User.objects.get(pk=case.created_by_id))
    response = reveal(client, case, "contact_phone")
    assert response.status_code in (302, 404)
    assert case.institution.contact_phone not in response.content.decode()
    assert not AuditEvent.objects.filter(action="contact_phone_revealed").exists()


def test_only_contact_fields_can_be_revealed(client, staff, case):
    assert reveal(client, case, "legal_rep_id_number").status_code == 404
    url = reverse("review_inbox:reveal_contact", args=[case.pk, "contact_phone"])
    assert client.get(url).status_code == 405  # a POST (CSRF-protected), never a link
    assert not AuditEvent.objects.filter(action__endswith="_revealed").exists()
