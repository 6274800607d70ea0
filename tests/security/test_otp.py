"""Issue 11, item 2: a second factor (TOTP) for staff, experts, the department and admins;
enrolment with a QR code on first login, recovery codes, no code used twice, wrong codes
counted by the lockout, an audited admin reset; applicants may opt in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from evalorg.accounts.models import Agency, Role
from evalorg.core.models import AuditEvent
from tests.factories import PASSWORD, ApplicantFactory, UserFactory
from tests.security.otp_helpers import code_for, fresh_code

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
HOME = reverse("home")


def _user(role: str, **extra):
    kinds = {
        Role.CITY_STAFF: Agency.Kind.CITY,
        Role.PROVINCE_STAFF: Agency.Kind.PROVINCE,
        Role.DEPARTMENT: Agency.Kind.DEPARTMENT,
    }
    agency = Agency.objects.filter(kind=kinds[role]).first() if role in kinds else None
    return UserFactory(role=role, agency=agency, **extra)


def _password(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def _enrol(client, user) -> list[str]:
    """First login of a user who needs a second factor: password, QR page, first code."""
    _password(client, user)
    page = client.get(SETUP)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"token": code_for(device), "next": HOME})
    assert response.status_code == 302
    codes = client.get(response["Location"])
    return re.findall(r'data-testid="recovery-code">(\w+)<', codes.content.decode())


@pytest.mark.parametrize(
    "role",
    [Role.CITY_STAFF, Role.PROVINCE_STAFF, Role.DEPARTMENT, Role.EXPERT, Role.ADMIN],
)
def test_roles_that_need_a_second_factor_are_sent_to_enrolment(client, role):
    user = _user(role)
    response = _password(client, user)
    assert response.status_code == 302
    blocked = client.get(reverse("applications:list"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(SETUP)
    page = client.get(blocked["Location"]).content.decode()
    assert "启用双因素认证" in page and "<svg" in page


def test_enrolment_confirms_the_device_and_gives_ten_single_use_recovery_codes(client):
    user = _user(Role.CITY_STAFF)
    codes = _enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(HOME).status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="otp_enrolled", object_id=str(user.pk)).exists()


def test_a_wrong_first_code_enrols_nothing(client):
    user = _user(Role.EXPERT)
    _password(client, user)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(HOME).status_code == 302


def test_next_login_asks_for_the_code_and_a_code_works_only_once(client):
    user = _user(Role.PROVINCE_STAFF)
    _enrol(client, user)
    client.logout()
    device = TOTPDevice.objects.get(user=user)
    _password(client, user)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    code = fresh_code(device)
    assert client.post(VERIFY, {"token": code, "next": HOME})["Location"] == HOME
    assert client.get(HOME).status_code == 200
    client.logout()
    _password(client, user)
    replay = client.post(VERIFY, {"token": code, "next": HOME})
    assert replay.status_code == 400
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_works_once(client):
    user = _user(Role.DEPARTMENT)
    codes = _enrol(client, user)
    client.logout()
    _password(client, user)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert client.get(HOME).status_code == 200
    client.logout()
    _password(client, user)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 400
    assert AuditEvent.objects.filter(action="recovery_code_used").count() == 1


def test_wrong_codes_count_toward_the_lockout(client):
    user = _user(Role.CITY_STAFF)
    _enrol(client, user)
    client.logout()
    _password(client, user)
    statuses = [client.post(VERIFY, {"token": "000000"}).status_code for _ in range(5)]
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    assert "_auth_user_id" not in client.session  # sent out, not left half logged in
    relogin = _password(client, user)
    assert relogin.status_code == 429 and "已被锁定" in relogin.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() >= 5


def test_the_right_password_alone_cannot_replace_the_device(client):
    user = _user(Role.CITY_STAFF)
    _enrol(client, user)
    client.logout()
    _password(client, user)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_verified_session_alone_cannot_replace_the_device(client):
    """Issue 21 item 8: replacing the authenticator needs the password and a code of the
    current device again, even in a session that passed the second factor."""
    user = _user(Role.CITY_STAFF)
    _enrol(client, user)
    old = TOTPDevice.objects.get(user=user, confirmed=True)
    page = client.get(SETUP).content.decode()
    assert 'data-testid="reauth-password"' in page and 'data-testid="reauth-current_token"' in page
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    # The new device's code alone: refused (the form needs the password and the old code).
    assert client.post(SETUP, {"token": code_for(new)}).status_code == 400
    wrong = {"token": code_for(new), "password": "Wrong-Pass-2026", "current_token": "000000"}
    response = client.post(SETUP, wrong)
    assert response.status_code == 400 and "未更换设备" in response.content.decode()
    assert TOTPDevice.objects.get(user=user, confirmed=True).pk == old.pk
    right = {"token": code_for(new), "password": PASSWORD, "current_token": fresh_code(old)}
    assert client.post(SETUP, right).status_code == 302
    assert TOTPDevice.objects.get(user=user, confirmed=True).pk == new.pk


def test_first_enrolment_asks_for_no_reauthentication(client):
    user = _user(Role.EXPERT)
    _password(client, user)
    assert 'data-testid="reauth-password"' not in client.get(SETUP).content.decode()


def test_admin_resets_a_lost_device_and_it_is_audited(client):
    user = _user(Role.EXPERT)
    _enrol(client, user)
    client.logout()
    admin = _user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="otp_reset")
    assert event.actor == admin and event.object_id == str(user.pk)
    client.logout()
    _password(client, user)
    assert client.get(HOME)["Location"].startswith(SETUP)


def test_admin_site_needs_the_second_factor_too(client):
    admin = _user(Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin, otp=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_applicants_are_not_forced_but_may_enable_it(client):
    user = ApplicantFactory()
    _password(client, user)
    assert client.get(reverse("institutions:profile")).status_code == 200
    codes = _enrol(client, user)
    assert codes
    client.logout()
    _password(client, user)
    assert client.get(reverse("institutions:profile"))["Location"].startswith(VERIFY)


def test_second_factor_pages_need_a_login(client):
    for url in (SETUP, VERIFY, reverse("accounts:otp_recovery_codes")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_admin_login_is_the_one_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"
