"""Accounts for operators (issue 23 item 4): the first administrator, staff accounts with their
role and agency, unlocking a locked-out account and deactivation. Each is audited (staff
audience). Used by ``manage.py create_admin`` / ``create_staff`` and the user admin's actions;
docs/operations.md, "Accounts"."""

from __future__ import annotations

import secrets

from axes.utils import reset as reset_lockouts
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from evalorg.core import audit

from .models import Agency, Role, User

# Which agency kind each staff role belongs to (SPEC §1).
AGENCY_KIND = {
    Role.CITY_STAFF: Agency.Kind.CITY,
    Role.PROVINCE_STAFF: Agency.Kind.PROVINCE,
    Role.DEPARTMENT: Agency.Kind.DEPARTMENT,
}
STAFF_ROLES = (*AGENCY_KIND, Role.EXPERT)


def initial_password() -> str:
    """A one-time password to hand over; the account holder changes it after signing in."""
    return secrets.token_urlsafe(12)


def _check_new(username: str) -> None:
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名 %(name)s 已存在。") % {"name": username})


@transaction.atomic
def create_admin(username: str, email: str, full_name: str, password: str) -> User:
    """An administrator (role admin, admin site): the second factor is enrolled at the first
    sign-in (``second_factor.required_for``), as for every staff account."""
    _check_new(username)
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        "account_created",
        user,
        data={"username": username, "role": Role.ADMIN},
        actor_label="create_admin",
        audience=audit.Audience.STAFF,
    )
    return user


def agency_for(role: str, agency_code: str | None) -> Agency | None:
    """The agency a staff role needs (None for experts), checked against the role."""
    kind = AGENCY_KIND.get(Role(role))
    if kind is None:
        return None
    agency = Agency.objects.filter(code=agency_code or "").first()
    if agency is None:
        raise ValidationError(_("找不到机构编码 %(code)s。") % {"code": agency_code or ""})
    if agency.kind != kind:
        raise ValidationError(
            _("%(role)s 须属于%(kind)s，%(agency)s 不是。")
            % {"role": Role(role).label, "kind": kind.label, "agency": agency.name}
        )
    return agency


@transaction.atomic
def create_staff(
    username: str, role: str, agency_code: str | None, full_name: str, email: str, password: str
) -> User:
    if role not in STAFF_ROLES:
        raise ValidationError(_("角色须为：%(roles)s。") % {"roles": "、".join(STAFF_ROLES)})
    _check_new(username)
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        role=role,
        agency=agency_for(role, agency_code),
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        "account_created",
        user,
        data={"username": username, "role": role, "agency": agency_code or ""},
        actor_label="create_staff",
        audience=audit.Audience.STAFF,
    )
    return user


def unlock(user: User, *, by: User) -> int:
    """Lift a login lockout (django-axes) before its cool-off ends. Audited."""
    with transaction.atomic():
        removed = reset_lockouts(username=user.username)
        audit.record(
            "account_unlocked",
            user,
            actor=by,
            data={"username": user.username, "attempts_cleared": removed},
            audience=audit.Audience.STAFF,
        )
    return removed


def deactivate(user: User, *, by: User) -> bool:
    """Sign-in refused from now on (Django refuses inactive accounts on every request, so open
    sessions end too); the account and its history stay. Audited."""
    if not user.is_active:
        return False
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(
            "account_deactivated",
            user,
            actor=by,
            data={"username": user.username},
            audience=audit.Audience.STAFF,
        )
    return True
