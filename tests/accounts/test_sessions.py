"""The session's idle expiry slides forward at most once a minute (accounts/sessions.py):
a read-only page writes nothing, and 30 idle minutes still end the session."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.core import clock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def session_writes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]][1:]


def stored_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_request_soon_after_the_last_save_writes_no_session(client):
    client.force_login(UserFactory())
    client.get(reverse("home"))
    assert session_writes(client, reverse("home")) == []


def test_the_expiry_slides_forward_once_a_minute_has_passed(client):
    client.force_login(UserFactory())
    client.get(reverse("home"))
    before = stored_expiry(client)
    with time_machine.travel(clock.now() + timedelta(seconds=30)):
        client.get(reverse("home"))
        assert stored_expiry(client) == before
    with time_machine.travel(clock.now() + timedelta(minutes=2)):
        assert session_writes(client, reverse("home"))  # the row is written again
        assert stored_expiry(client) > before + timedelta(minutes=1)


def test_an_active_session_outlives_thirty_minutes_and_an_idle_one_ends(client):
    client.force_login(UserFactory())
    start = clock.now()
    for minute in (10, 20, 30, 40):  # a request every 10 minutes: never idle for 30
        with time_machine.travel(start + timedelta(minutes=minute)):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=40 + 30, seconds=1)):
        response = client.get(reverse("applications:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
