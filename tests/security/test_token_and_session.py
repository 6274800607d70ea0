"""Issue 21 item 8: API token guessing is throttled per address; the session key is rotated
when the second factor passes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from evalorg.accounts.models import Role
from tests.api.conftest import bearer, token_for
from tests.factories import PASSWORD, CityStaffFactory, UserFactory
from tests.security.otp_helpers import fresh_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_counters():
    cache.clear()
    yield
    cache.clear()


def test_token_guessing_is_throttled_per_address(client):
    statuses = [
        client.get("/api/cases", REMOTE_ADDR="203.0.113.5", **bearer(f"eo_guess{n}")).status_code
        for n in range(25)
    ]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    refused = client.get("/api/cases", REMOTE_ADDR="203.0.113.5", **bearer("eo_more"))
    assert "错误的 API 令牌过多" in refused.json()["detail"]
    # Another address is not affected, and a real token works from it.
    secret = token_for(CityStaffFactory())
    assert client.get("/api/cases", REMOTE_ADDR="10.0.0.9", **bearer(secret)).status_code == 200
    assert client.get("/api/cases", REMOTE_ADDR="10.0.0.9", **bearer("eo_x")).status_code == 401


def test_valid_tokens_do_not_count(client):
    secret = token_for(CityStaffFactory())
    for _ in range(30):
        assert client.get("/api/cases", REMOTE_ADDR="10.0.0.8", **bearer(secret)).status_code == 200


def test_the_session_key_is_rotated_when_the_second_factor_passes(client):
    user = UserFactory(role=Role.EXPERT)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    half = client.session.session_key
    response = client.post(reverse("accounts:otp_verify"), {"token": fresh_code(device)})
    assert response.status_code == 302
    assert client.session.session_key != half
    assert client.session.get("otp_device_id")
    # The half-logged-in key is worth nothing any more.
    from django.contrib.sessions.backends.db import SessionStore

    assert not SessionStore(session_key=half).exists(half)
