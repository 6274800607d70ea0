"""Accounts for operators (issue 23 item 4): the first administrator, staff accounts with role
and agency, unlocking (audited) and deactivation (audited)."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import CommandError

from evalorg.accounts import second_factor
from evalorg.accounts.models import Agency, Role, User
from evalorg.core.models import AuditEvent
from tests.factories import UserFactory


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_admin_gives_an_administrator_who_enrols_a_second_factor() -> None:
    output = _run("create_admin", "ops", "--email", "ops@hrss.gd.gov.cn")
    user = User.objects.get(username="ops")
    assert user.has_role(Role.ADMIN) and user.is_staff and user.is_superuser
    password = output.split("一次性初始密码：")[1].split()[0]
    assert user.check_password(password)
    assert second_factor.required_for(user) and not second_factor.has_device(user)
    assert AuditEvent.objects.filter(action="account_created", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_create_admin_refuses_a_taken_username() -> None:
    UserFactory(username="ops")
    with pytest.raises(CommandError, match="已存在"):
        _run("create_admin", "ops", "--email", "ops@hrss.gd.gov.cn")


@pytest.mark.django_db
def test_create_staff_with_role_and_agency() -> None:
    _run(
        "create_staff", "gz_li", "--role", "city_staff", "--agency", _city_code(),
        "--full-name", "李审核", "--email", "li@gz.example.cn",
    )  # fmt: skip
    user = User.objects.get(username="gz_li")
    assert user.has_role(Role.CITY_STAFF)
    assert user.agency.kind == Agency.Kind.CITY


def _city_code() -> str:
    return Agency.objects.filter(kind=Agency.Kind.CITY).order_by("code").first().code


@pytest.mark.django_db
def test_create_staff_refuses_an_agency_of_the_wrong_kind() -> None:
    center = Agency.objects.get(kind=Agency.Kind.PROVINCE).code
    with pytest.raises(CommandError, match="须属于"):
        _run(
            "create_staff", "x", "--role", "city_staff", "--agency", center,
            "--full-name", "某人", "--email", "x@example.cn",
        )  # fmt: skip
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_an_expert_needs_no_agency() -> None:
    _run("create_staff", "exp9", "--role", "expert", "--full-name", "专家", "--email", "e@x.cn")
    assert User.objects.get(username="exp9").agency is None


@pytest.mark.django_db
def test_admin_unlocks_a_locked_account_audited(admin_client) -> None:
    locked = UserFactory(username="locked")
    AccessAttempt.objects.create(
        username="locked", ip_address="10.0.0.1", user_agent="x", failures_since_start=5
    )
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "unlock_accounts", "_selected_action": [str(locked.pk)]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="locked").exists()
    event = AuditEvent.objects.get(action="account_unlocked", object_id=str(locked.pk))
    assert event.audience == "staff"


@pytest.mark.django_db
def test_admin_deactivates_an_account_audited(admin_client) -> None:
    leaving = UserFactory(username="leaving")
    admin_client.post(
        "/admin/accounts/user/",
        {"action": "deactivate_accounts", "_selected_action": [str(leaving.pk)]},
    )
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert AuditEvent.objects.filter(action="account_deactivated").count() == 1
