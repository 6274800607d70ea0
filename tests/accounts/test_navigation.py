"""Navigation without 403 entries (issue 19 item 2): every demo user (one or more per role)
opens every entry of their navigation and gets the page, never a refusal; an entry is shown to
the roles its view lets in (``role_required``), not to a list written beside it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from evalorg.accounts.models import Role, User
from evalorg.accounts.navigation import nav_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


def test_every_entry_answers_200_for_every_demo_user(client, demo):
    users = list(User.objects.filter(is_active=True).exclude(role=Role.SYSTEM).order_by("pk"))
    assert {u.role for u in users} >= set(Role.values) - {Role.SYSTEM}
    refused = []
    for user in users:
        client.force_login(user)
        entries = nav_for(user)
        assert entries, user.username
        for entry in entries:
            status = client.get(entry["url"]).status_code
            if status != 200:
                refused.append(f"{user.username} ({user.role}) {entry['label']} → {status}")
    assert not refused, "\n".join(refused)


def test_the_admin_no_longer_sees_the_institution_profile(client, demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert reverse("institutions:profile") not in [e["url"] for e in nav_for(admin)]
    client.force_login(admin)
    assert client.get(reverse("institutions:profile")).status_code == 403


def test_entries_take_their_roles_from_their_views() -> None:
    """An entry names roles only when its view has no ``role_required`` (the case list and the
    messages, open to every logged-in user; supervision answers 404): never both."""
    from django.urls import resolve

    from evalorg.accounts import navigation

    said_twice, unsaid = [], []
    for item in navigation._nav:
        url = reverse(item.url_name)
        required = getattr(resolve(url).func, "required_roles", None)
        if required is not None and item.roles is not None:
            said_twice.append(item.url_name)
        if required is None and item.roles is None:
            unsaid.append(item.url_name)
        assert navigation.entry_roles(item, url) == (required or item.roles)
    assert not said_twice and not unsaid, (said_twice, unsaid)
    derived = [i for i in navigation._nav if i.roles is None]
    assert len(derived) >= 15
