"""Sign-up without an account-existence oracle (issue 11; OWASP ASVS V6 / the OWASP
Authentication Cheat Sheet's "account creation" advice).

A valid form always gets the same answer, "check your mailbox", whether or not its username or
USCC is already registered. The mailbox then tells its owner what happened: a new registration
gets an activation link (the account stays inactive until it is opened), a duplicate gets an
e-mail saying the username or code is taken and what to do. Only the owner of the address
learns whether an account exists.

A sign-up never activated within the link's validity (``PASSWORD_RESET_TIMEOUT``) holds its
username and USCC no longer: ``release_stale_signups`` (run by the next sign-up asking for
either) removes its institution and renames the account out of the way, audited.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from evalorg.accounts.models import User
from evalorg.core import audit, clock
from evalorg.core.models import AuditEvent
from evalorg.notify.services import queue_email

from .models import Institution, Membership


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset token (same expiry), but never valid as one; it dies once the
    account is active."""

    key_salt = "evalorg.institutions.signup.activation"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


activation_tokens = ActivationTokenGenerator()


def _send(request: HttpRequest, to: str, template: str, context: dict) -> None:
    context = {"site": request.get_host(), "protocol": request.scheme, **context}
    subject = render_to_string(f"institutions/{template}_subject.txt", context).strip()
    body = render_to_string(f"institutions/{template}_email.txt", context)
    queue_email([to], subject, body)  # the outbox: retried, recorded, sent by the worker


def send_activation(request: HttpRequest, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("institutions:signup_activate", args=[uid, activation_tokens.make_token(user)])
    _send(request, user.email, "signup_activation", {"user": user, "path": path})


def send_already_registered(request: HttpRequest, email: str, username: str) -> None:
    _send(request, email, "signup_taken", {"username": username})


def user_for_activation(uidb64: str, token: str) -> User | None:
    """The inactive user the link was made for, or ``None`` (wrong, used or expired link)."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not activation_tokens.check_token(user, token):
        return None
    return user


# ---- sign-ups never activated ---------------------------------------------------------------

EXPIRED_PREFIX = "expired-signup-"


def _is_stale(user: User) -> bool:
    """Registered through sign-up, never activated nor logged in, and its link has expired."""
    expiry = clock.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    if user.is_active or user.last_login is not None or user.date_joined > expiry:
        return False
    events = AuditEvent.objects.for_object(user)
    return (
        events.filter(action="user_registered", data__via="signup").exists()
        and not events.filter(action="signup_activated").exists()
    )


def _release_institution(institution: Institution) -> bool:
    """Delete an institution whose every account is a stale sign-up (nothing else refers to
    it: no application ever was made); False when something still does."""
    if not all(_is_stale(m.user) for m in institution.memberships.select_related("user")):
        return False
    try:
        with transaction.atomic():
            institution.delete()
    except ProtectedError:
        return False
    return True


def _release_user(user: User) -> dict:
    old = user.username
    institutions = [m.institution for m in Membership.objects.filter(user=user)]
    released = [i.uscc for i in institutions if _release_institution(i)]
    user.username = f"{EXPIRED_PREFIX}{user.pk}-{old}"[:150]
    user.set_unusable_password()  # the old link can never work again
    user.save(update_fields=["username", "password"])
    return {"username": old, "released_uscc": released}


def release_stale_signups(username: str, uscc: str) -> int:
    """Free ``username`` and ``uscc`` from sign-ups never activated in time (see the module);
    an active account, or one whose link is still valid, keeps them. Returns how many."""
    from evalorg.accounts.system import system_actor

    holders = User.objects.filter(
        Q(username__iexact=username) | Q(membership__institution__uscc=uscc),
        is_active=False,
        last_login__isnull=True,
    ).exclude(username__startswith=EXPIRED_PREFIX)
    count = 0
    with transaction.atomic():
        for user in holders.select_for_update(of=("self",)):
            if not _is_stale(user):
                continue
            data = _release_user(user)
            audit.record("signup_expired", user, actor=system_actor(), data=data)
            count += 1
    return count
