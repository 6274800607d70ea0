"""Logins, failed logins and lockouts go into the audit chain (issue #2)."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from evalorg.core import audit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    audit.record("login", user, actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record("logout", user, actor=user)


def _user_named(username: str):
    return get_user_model().objects.filter(username=username).first()


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = (credentials or {}).get("username", "")
    audit.record(
        "login_failed", _user_named(username), actor_label=username, data={"username": username}
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs) -> None:
    audit.record(
        "account_locked",
        _user_named(username or ""),
        actor_label=username or "",
        data={"username": username or "", "ip": ip_address},
    )
