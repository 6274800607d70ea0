"""What the demo leaves in accounts (core.production_guard): the published password on a demo
username or a superuser, and second-factor devices with the published demo key."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .demo import DEMO_PASSWORD, DEMO_TOTP_KEY
from .models import User

DEMO_USERNAMES = (
    "admin",
    "gz_staff",
    "sz_staff",
    "province_staff",
    "department",
    "expert1",
    "expert2",
    "expert3",
    "applicant_gz",
    "applicant_sz",
)


def demo_password_accounts() -> list[str]:
    """Usernames whose password is the demo password: the demo usernames and the superusers
    only (each check costs one PBKDF2 hash)."""
    candidates = User.objects.filter(Q(username__in=DEMO_USERNAMES) | Q(is_superuser=True))
    return sorted(
        user.username
        for user in candidates.only("username", "password")
        if user.has_usable_password() and check_password(DEMO_PASSWORD, user.password)
    )


def demo_devices() -> int:
    return TOTPDevice.objects.filter(key=DEMO_TOTP_KEY).count()


def demo_account_traces() -> list[str]:
    traces = []
    accounts = demo_password_accounts()
    if accounts:
        traces.append(_("%(n)d 个账户使用公开的演示密码") % {"n": len(accounts)})
    devices = demo_devices()
    if devices:
        traces.append(_("%(n)d 个动态验证码设备使用公开的演示密钥") % {"n": devices})
    return traces
