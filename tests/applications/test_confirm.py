"""Irreversible actions ask first (issue #10): a POST without confirm=yes changes nothing and
answers with the confirm page; the page re-posts the same fields with confirm=yes."""

import re
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from tests.factories import CityStaffFactory

from .conftest import applicant_of
from .test_views import SH, _submitted

pytestmark = pytest.mark.django_db


def test_withdraw_without_confirmation_changes_nothing_and_asks(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    url = reverse("applications:action", args=[case.pk, "withdraw"])
    response = client.post(url, {"reason": "不再申报"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "确定撤回申请吗" in body and 'name="confirm" value="yes"' in body
    assert re.search(r'name="reason" value="不再申报"', body)  # the same fields again
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not AuditEvent.objects.for_object(case).filter(action="withdraw").exists()


def test_withdraw_with_confirmation_is_done(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    url = reverse("applications:action", args=[case.pk, "withdraw"])
    response = client.post(url, {"reason": "不再申报", "confirm": "yes"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN


def test_the_case_page_buttons_carry_the_question(client):
    case = _submitted()
    client.force_login(applicant_of(case))
    body = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert 'data-action="withdraw" data-confirm="确定撤回申请吗' in body
    assert "js/confirm.js" in body


def test_an_action_that_would_be_refused_is_refused_before_asking(client):
    """Issue 18 item 4: nobody confirms "不能恢复" only to be refused afterwards. A withdrawal
    without its reason is refused at once, citing the rule, without the confirm page, even when
    the POST already carries the confirmation; nothing changes."""
    case = _submitted()
    client.force_login(applicant_of(case))
    url = reverse("applications:action", args=[case.pk, "withdraw"])
    for fields in ({"reason": "  "}, {"reason": "", "confirm": "yes"}):
        response = client.post(url, fields, follow=True)
        body = response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[case.pk])
        assert "请填写“撤回申请”的理由。" in body and "SPEC-5" not in body
        assert 'data-testid="confirm-page"' not in body
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not AuditEvent.objects.for_object(case).filter(action="withdraw").exists()


def test_an_action_of_another_party_is_refused_before_asking(client):
    """The engine's role and relation check also runs before the confirm page: the receiving
    agency sees the case but may not withdraw it, and is told so, not asked."""
    case = _submitted()
    client.force_login(CityStaffFactory())
    url = reverse("applications:action", args=[case.pk, "withdraw"])
    response = client.post(url, {"reason": "不再申报"}, follow=True)
    body = response.content.decode()
    assert "您无权对该备案申请执行“撤回申请”。" in body and "SPEC-1" not in body
    assert 'data-testid="confirm-page"' not in body
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_the_wizard_offers_to_discard_a_draft_and_asks_first(client, application):
    """Issue 22: every wizard step of a draft has 放弃此申请草稿 (the engine's withdraw, with a
    reason and the confirm question); a submitted case has none there."""
    client.force_login(applicant_of(application))
    url = reverse("applications:step_institution", args=[application.pk])
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        body = client.get(url).content.decode()
    action = reverse("applications:action", args=[application.pk, "withdraw"])
    assert 'data-testid="discard-draft"' in body and f'action="{action}"' in body
    assert 'data-confirm="确定放弃此申请草稿吗' in body and 'name="reason"' in body
    submitted = _submitted()
    client.force_login(applicant_of(submitted))
    page = client.get(reverse("applications:step_review", args=[submitted.pk]))
    assert 'data-testid="discard-draft"' not in page.content.decode()
