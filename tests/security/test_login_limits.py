"""Issue 11, item 1: lockout by username and address together, per-IP and per-account failure
rates with a Chinese 429 page, rate-limited sign-up and password reset, common Chinese
passwords refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django_ratelimit.core import get_usage

from evalorg.accounts import ratelimits
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _empty_counters():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failures_from_one_address_do_not_lock_the_owner_elsewhere(client):
    user = UserFactory()
    for _ in range(6):
        _login(client, user.username, "wrong-Password-1", ip="203.0.113.9")
    assert _login(client, user.username, PASSWORD, ip="203.0.113.9").status_code == 429
    # The owner, from the office's address, is not locked out by the attacker's failures.
    assert _login(client, user.username, PASSWORD, ip="10.0.0.1").status_code == 302


def test_a_sweep_over_many_accounts_from_one_address_is_slowed(client):
    users = UserFactory.create_batch(9)
    statuses = [
        _login(client, user.username, "wrong-Password-1", ip="198.51.100.7").status_code
        for _ in range(4)  # four each: below the lockout of any one pair
        for user in users
    ]
    assert statuses[:20] == [200] * 20
    assert set(statuses[20:]) == {429}
    refused = _login(client, users[0].username, PASSWORD, ip="198.51.100.7")
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
    # Another address is not affected.
    assert _login(client, users[0].username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_successful_logins_from_one_office_address_are_not_limited(client):
    users = UserFactory.create_batch(25)
    for user in users:
        assert _login(client, user.username, PASSWORD, ip="10.1.1.1").status_code == 302
        client.logout()


@pytest.fixture
def captcha_test_mode(monkeypatch):
    # django-simple-captcha reads its settings once, at import: patch its module.
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


def _account_failures(username: str) -> int:
    request = RequestFactory().post(LOGIN, {"username": username})
    limit = ratelimits.ACCOUNT_PASSWORD[0]
    usage = get_usage(
        request, group=limit.group, key=limit.key, rate=limit.rate, method="POST", increment=False
    )
    return usage["count"]


def test_one_account_attacked_from_many_addresses_asks_for_a_captcha(client, captcha_test_mode):
    """Over the account's failure rate the login asks for a captcha (ASVS 6.3): the owner with
    the right password and the captcha gets in; guesses without it check no password."""
    user = UserFactory()
    for n in range(30):
        _login(client, user.username, "wrong-Password-1", ip=f"192.0.2.{n + 1}")
    assert _account_failures(user.username) == 30
    response = _login(client, user.username, PASSWORD, ip="192.0.2.200")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="login-captcha"' in html
    assert "请输入验证码" in html and "_auth_user_id" not in client.session
    # Guesses without the captcha are refused before the password is checked: not counted.
    for _ in range(5):
        _login(client, user.username, "wrong-Password-2", ip="192.0.2.201")
    assert _account_failures(user.username) == 30
    # A wrong password with a right captcha is checked, and counted.
    data = {"username": user.username, "password": "wrong-Password-3"}
    data |= {"captcha_0": "x", "captcha_1": "PASSED"}
    assert client.post(LOGIN, data, REMOTE_ADDR="192.0.2.202").status_code == 200
    assert _account_failures(user.username) == 31
    data["password"] = PASSWORD
    assert client.post(LOGIN, data, REMOTE_ADDR="192.0.2.203").status_code == 302


def test_lockouts_elsewhere_never_keep_the_owner_out(client):
    """The issue's attack: 32 wrong passwords from two addresses. Attempts refused by the pair
    lockout reach no password check and do not count toward the account's rate, so the owner
    from a third address logs in with the password alone."""
    user = UserFactory()
    for ip in ("203.0.113.1", "203.0.113.2"):
        statuses = [
            _login(client, user.username, "wrong-Password-1", ip=ip).status_code for _ in range(16)
        ]
        assert set(statuses[5:]) == {429}  # locked after 5: the rest are refused unchecked
    assert _account_failures(user.username) <= 10
    assert _login(client, user.username, PASSWORD, ip="10.0.0.3").status_code == 302


def test_the_owner_with_password_and_code_gets_in_after_an_attack(client, captcha_test_mode):
    """A staff account under attack from 40 addresses: the owner passes the password with the
    captcha, then the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from evalorg.accounts.models import Role
    from tests.security.otp_helpers import fresh_code

    user = UserFactory(role=Role.EXPERT)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    for n in range(40):
        _login(client, user.username, "wrong-Password-1", ip=f"198.18.0.{n + 1}")
    assert _login(client, user.username, PASSWORD, ip="10.0.0.4").status_code == 200
    data = {"username": user.username, "password": PASSWORD, "captcha_0": "x"}
    data["captcha_1"] = "PASSED"
    assert client.post(LOGIN, data, REMOTE_ADDR="10.0.0.4").status_code == 302
    verify = reverse("accounts:otp_verify")
    response = client.post(verify, {"token": fresh_code(device)}, REMOTE_ADDR="10.0.0.4")
    assert response.status_code == 302 and client.session.get("otp_device_id")


def test_wrong_codes_on_one_account_are_bounded(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from evalorg.accounts.models import Role

    user = UserFactory(role=Role.EXPERT)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    verify = reverse("accounts:otp_verify")
    statuses = []
    for n in range(11):  # from many addresses: the pair lockout alone would not stop it
        client.logout()
        ip = f"198.19.0.{n + 1}"
        assert _login(client, user.username, PASSWORD, ip=ip).status_code == 302
        statuses.append(client.post(verify, {"token": "000000"}, REMOTE_ADDR=ip).status_code)
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(rf, monkeypatch):
    request = rf.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    assert ratelimits.client_ip(request) == "10.9.9.9"
    monkeypatch.setattr(ratelimits, "TRUSTED_PROXIES", ratelimits._networks("10.9.9.9"))
    assert ratelimits.client_ip(request) == "5.6.7.8"  # the entry our proxy appended


@pytest.mark.parametrize(
    "remote, forwarded, client",
    [
        # Reached directly (not through a trusted proxy): its own address, whatever it claims.
        ("198.51.100.20", "1.2.3.4", "198.51.100.20"),
        ("198.51.100.20", "", "198.51.100.20"),
        # Through our proxy: the entry it appended; the client's own entries to its left.
        ("10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        # Two of our proxies in a row: both skipped.
        ("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.1.5", "203.0.113.7"),
        # Garbage where our proxy would have written an address: the proxy's own address.
        ("10.0.0.2", "6.6.6.6, not-an-ip", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("2001:db8::1", "2001:db8:1::7", "2001:db8:1::7"),
    ],
)
def test_only_the_configured_proxies_are_trusted(rf, monkeypatch, remote, forwarded, client):
    networks = ratelimits._networks("10.0.0.0/16, 2001:db8::/64")
    monkeypatch.setattr(ratelimits, "TRUSTED_PROXIES", networks)
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimits.client_ip(request) == client


def test_a_count_trusts_nobody(rf, monkeypatch):
    """Round one's EVALORG_TRUSTED_PROXIES=1 let a server reached directly take a forged
    X-Forwarded-For (20/20 objections through the 5-an-hour limit)."""
    monkeypatch.setattr(ratelimits, "TRUSTED_PROXIES", ratelimits._networks("1"))
    forged = rf.get("/", REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimits.client_ip(forged) == "198.51.100.20"


def test_password_reset_is_rate_limited_per_address(client):
    url = reverse("accounts:password_reset")
    for n in range(10):
        assert client.post(url, {"email": f"p{n}@example.org"}).status_code == 302
    response = client.post(url, {"email": "p99@example.org"})
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()


def test_password_reset_is_rate_limited_per_address_of_the_account(client):
    url = reverse("accounts:password_reset")
    for n in range(3):
        client.post(url, {"email": "victim@example.org"}, REMOTE_ADDR=f"10.3.0.{n}")
    response = client.post(url, {"email": "Victim@example.org"}, REMOTE_ADDR="10.3.0.99")
    assert response.status_code == 429


def test_signup_is_rate_limited_per_address(client):
    url = reverse("institutions:signup")
    for _ in range(10):
        assert client.post(url, {"username": "x"}).status_code == 400
    response = client.post(url, {"username": "x"})
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()


@pytest.mark.parametrize(
    "password",
    ["Passw0rd!!", "P@ssw0rd123", "Admin@123456", "Guangdong@2026", "Qwer1234!@#$", "Woaini1314!"],
)
def test_common_chinese_passwords_are_refused(password):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password)
    assert any("常见" in message for message in excinfo.value.messages)


@pytest.mark.parametrize("password", ["Guangdong-2026-ok", "Kapok-Tree-2026", "Lingnan#Kapok#77"])
def test_uncommon_passwords_pass(password):
    validate_password(password)
