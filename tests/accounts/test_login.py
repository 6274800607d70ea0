"""Login, lockout, password rules and sessions (issue #2)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from evalorg.core import audit, clock
from evalorg.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "用户登录" in response.content.decode()


def test_successful_login_cycles_session_key_and_is_audited(client):
    user = UserFactory()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(action="login", actor=user).exists()


def test_wrong_password_shows_chinese_error_and_is_audited(client):
    user = UserFactory()
    response = _login(client, user.username, "wrong-Password-1")
    assert "用户名或密码不正确" in response.content.decode()
    event = AuditEvent.objects.get(action="login_failed")
    assert event.object_id == str(user.pk) and "password" not in str(event.data).lower()


def test_five_failures_lock_account_and_right_password_is_refused(client):
    user = UserFactory()
    for _ in range(5):
        _login(client, user.username, "wrong-Password-1")
    response = _login(client, user.username, PASSWORD)
    body = response.content.decode()
    assert response.status_code == 429
    assert "已被锁定" in body and "30 分钟" in body
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="account_locked").exists()
    assert audit.verify_chain().ok


def test_lockout_ends_after_cooloff(client):
    user = UserFactory()
    for _ in range(5):
        _login(client, user.username, "wrong-Password-1")
    with time_machine.travel(clock.now() + timedelta(minutes=31)):
        assert _login(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Ab1!xyz", "too short"),
        ("abcdefghijk1", "two classes"),
        ("password1234", "common"),
        ("12345678901234", "numeric"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_password_passes():
    validate_password("Guangdong-2026-ok")


def test_character_class_message_is_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_password("abcdefghijkl")
    assert any("三类" in m for m in excinfo.value.messages)


def test_idle_session_expires_after_30_minutes(client):
    user = UserFactory()
    _login(client, user.username, PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(clock.now() + timedelta(minutes=29)):
        assert client.get(reverse("home")).status_code == 200  # activity slides the expiry
    with time_machine.travel(clock.now() + timedelta(minutes=29 + 31)):
        response = client.get(reverse("applications:list"))
    assert response.status_code == 302 and LOGIN in response["Location"]


def test_logout_is_audited(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="logout", actor=user).exists()


def test_short_password_message_is_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Ab1!")
    assert "至少需要 10 个字符" in " ".join(excinfo.value.messages)


def test_password_reset_by_email_in_chinese(client, make_user, django_capture_on_commit_callbacks):
    """The e-mail goes through the outbox like every other: recorded, then delivered by the
    worker once the request's transaction commits (retried if sending fails)."""
    import re

    from django.core import mail

    from evalorg.notify.models import OutboundEmail

    user = make_user(username="reset_me", email="reset@example.org")
    login = client.get(reverse("accounts:login")).content.decode()
    assert "忘记密码" in login and reverse("institutions:signup") in login
    with django_capture_on_commit_callbacks(execute=False) as delivery:
        response = client.post(reverse("accounts:password_reset"), {"email": "reset@example.org"})
    assert response.status_code == 302
    queued = OutboundEmail.objects.get()
    assert queued.to == ["reset@example.org"] and queued.status == "queued"
    assert "重设密码" in queued.subject and "\n" not in queued.subject
    assert not mail.outbox  # nothing sent from the request itself
    for deliver in delivery:
        deliver()
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 1
    (message,) = mail.outbox
    assert message.subject == queued.subject and message.body == queued.body
    assert "重设密码" in message.subject and "reset_me" in message.body
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "设置新密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Neu-Passwort-2026", "new_password2": "Neu-Passwort-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Neu-Passwort-2026")


def test_password_reset_does_not_tell_whether_an_address_is_known(client):
    from django.core import mail

    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True
    )
    assert "如果该邮箱登记了账户" in response.content.decode()
    assert not mail.outbox
    from evalorg.notify.models import OutboundEmail

    assert not OutboundEmail.objects.exists()
