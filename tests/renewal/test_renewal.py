"""Renewal of a filing through the pages (issue 25 item 6, N-5.2): applied for from 180 days
before the validity ends, with the profile and the activity record shown; the local agency
accepts (the validity of every letter extended, audited, in the registry's dated history) or
returns it; accepting after the filing lapsed makes it valid again; the list costs a constant
number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evalorg.core.models import AuditEvent
from evalorg.core.todo import todo_items
from evalorg.core.workflow import TransitionRefused, perform
from evalorg.filing import registry
from evalorg.filing.models import FilingLetter
from evalorg.notify.models import Message
from evalorg.renewal import validity
from evalorg.renewal.models import Renewal
from tests.factories import CityStaffFactory, city_agency
from tests.filing.conftest import registry_row

from .conftest import BEFORE_WINDOW, EXPIRED, IN_WINDOW, LAST_DAY, apply, at

pytestmark = pytest.mark.django_db
S = Renewal.Status


def todo(user) -> dict[int, str]:
    return {i.pk: i.kind for i in todo_items(user) if i.workflow == "renewal"}


def test_too_early_to_apply(client, owner, letter):
    with at(BEFORE_WINDOW):
        client.force_login(owner)
        page = client.get("/renewal/new/").content.decode()
        assert "届满前 180 天" in page and 'data-testid="renewal-form"' not in page
        client.post("/renewal/new/", {"statement": "申请延续"})
    assert not Renewal.objects.exists()


def test_apply_and_accept_through_the_pages(client, owner, city, letter, organization):
    with at(IN_WINDOW):
        client.force_login(owner)
        page = client.get("/renewal/new/").content.decode()
        assert organization.uscc in page and 'data-testid="activity-plans"' in page
        assert "2033-11-30" in page  # the validity a renewal would give
        response = client.post("/renewal/new/", {"statement": "备案以来按计划开展认定。"})
        renewal = Renewal.objects.get()
        assert response.status_code == 302 and renewal.status == S.SUBMITTED
        assert renewal.agency_id == city.agency_id
        assert Message.objects.filter(recipient=city, subject__contains="延续").exists()
        assert todo(city) == {renewal.pk: "同意延续／退回修改"} and todo(owner) == {}
        client.force_login(city)
        page = client.get(f"/renewal/{renewal.pk}/").content.decode()
        assert 'data-action="accept_renewal"' in page and "data-confirm" in page
        client.post(f"/renewal/{renewal.pk}/accept_renewal/", {"confirm": "yes"})
        history = registry.history_of(organization)
    renewal.refresh_from_db()
    assert renewal.status == S.ACCEPTED and renewal.new_valid_until == date(2033, 11, 30)
    assert FilingLetter.objects.get(pk=letter.pk).valid_until == date(2033, 11, 30)
    event = AuditEvent.objects.get(action="accept_renewal")
    assert event.data["valid_until"] == "2033-11-30"
    assert any("延续" in c.what and "2033-11-30" in c.what for c in history)
    assert Message.objects.filter(recipient=owner, subject__contains="已获同意").exists()


def test_returned_then_resubmitted(client, owner, city, renewal):
    with at(IN_WINDOW):
        client.force_login(city)
        client.post(f"/renewal/{renewal.pk}/return_renewal/", {"reason": "请补充督导情况"})
        assert Renewal.objects.get(pk=renewal.pk).status == S.RETURNED
        assert todo(owner) == {renewal.pk: "重新提交"}
        client.force_login(owner)
        client.post(f"/renewal/{renewal.pk}/resubmit_renewal/", {"confirm": "yes"})
    assert Renewal.objects.get(pk=renewal.pk).status == S.SUBMITTED


def test_another_city_cannot_accept(owner, renewal):
    other = CityStaffFactory(agency=city_agency("440300"))
    with at(IN_WINDOW), pytest.raises(TransitionRefused):
        perform(renewal, "accept_renewal", other)


def test_accepting_after_the_filing_lapsed_makes_it_valid_again(owner, city, organization, letter):
    renewal = apply(owner, organization, LAST_DAY)
    with at(EXPIRED):
        validity.expire_filings()
        assert FilingLetter.objects.get(pk=letter.pk).validity_status == "expired"
        perform(renewal, "accept_renewal", city)
        assert validity.expiry_refusal(organization.pk) is None
        history = [(c.day, c.status) for c in registry.history_of(organization)]
    assert FilingLetter.objects.get(pk=letter.pk).validity_status == "valid"
    assert (date(2028, 12, 1), "已过期") in history and (date(2028, 12, 1), "有效") in history
    assert AuditEvent.objects.filter(action="restore_validity").count() == 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_and_to_do_cost_the_same_for_1_and_6_renewals(client, city, owner, renewal):
    with at(IN_WINDOW):
        client.force_login(city)
        one = _queries(client, "/renewal/")
        with CaptureQueriesContext(connection) as todo_one:
            assert len(todo(city)) == 1
        for n in range(5):
            other = registry_row(number=10 + n)
            Renewal.objects.create(
                institution=other.application.institution,
                letter=other,
                agency=city.agency,
                statement="延续",
                previous_valid_until=other.valid_until,
                created_by=owner,
                created_at=renewal.created_at,
            )
        assert _queries(client, "/renewal/") == one
        with CaptureQueriesContext(connection) as todo_six:
            assert len(todo(city)) == 6
    assert len(todo_six) == len(todo_one)
