"""Irreversible actions ask first (issue #10): a POST without confirm=yes changes nothing and
answers with the confirm page; the page re-posts the same fields with confirm=yes."""

import re

import pytest
from django.urls import reverse

from evalorg.applications.models import State
from evalorg.core.models import AuditEvent

from .conftest import applicant_of
from .test_views import _submitted

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
