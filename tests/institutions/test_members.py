"""Members of an institution account (issue 22): the institution's admin deactivates and
reactivates the others through the ``membership`` workflow (audited, the member told by
e-mail); never itself, never the last active admin; nobody else may."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.urls import reverse

from evalorg.accounts.models import User
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.institutions.members import not_the_last_admin
from evalorg.institutions.models import Membership
from evalorg.notify.models import OutboundEmail
from tests.factories import PASSWORD, ApplicantFactory, CityStaffFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return ApplicantFactory()  # the institution's first account: its admin


@pytest.fixture
def colleague(admin) -> User:
    return ApplicantFactory(institution=admin.membership.institution)


def act(client, membership: Membership, action: str):
    url = reverse("institutions:member_action", args=[membership.pk, action])
    return client.post(url, {"confirm": "yes"})


def test_the_admin_deactivates_and_reactivates_a_member(
    client, admin, colleague, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    page = client.get(reverse("institutions:profile")).content.decode()
    assert 'data-action="deactivate_member"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, colleague.membership, "deactivate_member")

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active and colleague.membership.status == "deactivated"
    event = AuditEvent.objects.get(action="deactivate_member")
    assert (event.actor, event.from_state, event.to_state) == (admin, "active", "deactivated")
    mails = [m for m in OutboundEmail.objects.all() if colleague.email in m.to]
    assert len(mails) == 1 and "已停用" in mails[0].subject
    assert ModelBackend().authenticate(None, colleague.username, PASSWORD) is None
    page = client.get(reverse("institutions:profile")).content.decode()
    assert 'data-action="reactivate_member"' in page and "已停用" in page

    act(client, colleague.membership, "reactivate_member")
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.membership.status == "active"
    assert AuditEvent.objects.filter(action="reactivate_member").count() == 1


def test_a_deactivated_member_loses_its_open_session(client, admin, colleague):
    client.force_login(colleague)
    assert client.get(reverse("institutions:profile")).status_code == 200
    perform(colleague.membership, "deactivate_member", admin)
    assert client.get(reverse("institutions:profile")).status_code == 302  # to log in


def test_a_deactivated_member_is_not_offered_a_new_activation_link(client, admin, colleague):
    User.objects.filter(pk=colleague.pk).update(last_login=None)
    perform(colleague.membership, "deactivate_member", admin)
    response = client.post(
        reverse("accounts:login"), {"username": colleague.username, "password": PASSWORD}
    )
    assert "尚未激活" not in response.content.decode()


def test_the_admin_cannot_deactivate_itself_nor_the_last_active_admin(client, admin, colleague):
    with pytest.raises(TransitionRefused, match="不能停用自己的账户"):
        perform(admin.membership, "deactivate_member", admin)
    client.force_login(admin)  # the page refuses it with a message, nothing changed
    before = AuditEvent.objects.count()
    act(client, admin.membership, "deactivate_member")
    admin.refresh_from_db()
    assert admin.is_active and admin.membership.status == "active"
    assert AuditEvent.objects.count() == before
    # Only an active admin acts and never on itself, so the last-admin guard stands behind
    # them (e.g. the API): asked directly, it refuses the only active admin...
    refusal = not_the_last_admin(admin.membership, colleague, {})
    assert refusal is not None and "最后一个正常使用的管理员" in refusal.message
    # ... and lets one go while another admin remains active.
    Membership.objects.filter(pk=colleague.membership.pk).update(is_admin=True)
    assert not_the_last_admin(admin.membership, colleague, {}) is None
    perform(admin.membership, "deactivate_member", User.objects.get(pk=colleague.pk))
    assert Membership.objects.get(pk=admin.membership.pk).status == "deactivated"


def test_a_member_who_is_not_admin_is_refused(client, admin, colleague):
    client.force_login(colleague)
    assert (
        'data-action="deactivate_member"'
        not in client.get(reverse("institutions:profile")).content.decode()
    )
    assert act(client, admin.membership, "deactivate_member").status_code == 403
    admin.refresh_from_db()
    assert admin.is_active and admin.membership.status == "active"


@pytest.mark.parametrize("who", ["other_institution", "city_staff", "anonymous"])
def test_outsiders_are_refused_and_nothing_changes(client, colleague, who):
    if who == "other_institution":
        client.force_login(ApplicantFactory(institution=InstitutionFactory()))
    elif who == "city_staff":
        client.force_login(CityStaffFactory())
    response = act(client, colleague.membership, "deactivate_member")
    assert response.status_code in (302, 403, 404)
    if who == "anonymous":
        assert "/login" in response["Location"]
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.membership.status == "active"
    assert not AuditEvent.objects.filter(action="deactivate_member").exists()
