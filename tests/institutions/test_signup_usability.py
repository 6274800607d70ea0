"""Sign-up and login usability (issue 22): logging in before activating says so and offers a
new link only to who typed the right password."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from evalorg.core.models import AuditEvent

from .test_pages import STRONG_PASSWORD, activation_link, signup_data, signup_post

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
RESEND = reverse("institutions:signup_resend")


@pytest.fixture
def signed_up(client):
    assert signup_post(client, signup_data()).status_code == 302
    mail.outbox.clear()
    return signup_data()["username"]


def _login(client, username: str, password: str) -> str:
    return client.post(LOGIN, {"username": username, "password": password}).content.decode()


def test_right_password_before_activation_says_so_and_offers_a_new_link(client, signed_up):
    page = _login(client, signed_up, STRONG_PASSWORD)
    assert "该账户尚未激活" in page and "用户名或密码不正确" not in page
    assert 'data-testid="resend-activation"' in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(RESEND)
    assert response["Location"] == reverse("institutions:signup_sent")
    assert len(mail.outbox) == 1 and activation_link(mail.outbox[0])
    assert AuditEvent.objects.filter(action="signup_activation_resent").count() == 1
    # The session's permission is used once.
    assert client.post(RESEND)["Location"] == LOGIN


def test_wrong_password_reveals_nothing_about_activation(client, signed_up):
    page = _login(client, signed_up, STRONG_PASSWORD + "x")
    assert "用户名或密码不正确" in page and "尚未激活" not in page
    assert "resend-activation" not in page
    assert client.post(RESEND)["Location"] == LOGIN
    assert not mail.outbox


def test_an_activated_account_logs_in_as_before(client, signed_up):
    from evalorg.accounts.models import User

    user = User.objects.get(username=signed_up)
    user.is_active = True
    user.save(update_fields=["is_active"])
    response = client.post(LOGIN, {"username": signed_up, "password": STRONG_PASSWORD})
    assert response.status_code == 302


def _warning(page: str) -> str:
    start = page.index('id="uscc-government-warning"')
    return page[start : page.index(">", start)]


def test_the_sign_up_form_warns_of_a_government_body_code_itself(client):
    from tests.factories import make_uscc

    blank = client.get(reverse("institutions:signup")).content.decode()
    assert "hidden" in _warning(blank)  # shown by the page's script as 11… is typed
    assert 'data-warn-prefix="11"' in blank
    uscc = make_uscc(prefix="11", division="440106", serial=900002)
    refused = signup_post(client, signup_data(uscc=uscc, password2="different"))
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "hidden" not in _warning(page) and "机关（11）" in page
    assert "请重新输入两次密码" in page  # the cleared passwords are explained
    assert 'value="广州木棉技能培训有限公司"' in page
