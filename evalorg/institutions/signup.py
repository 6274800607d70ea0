"""Sign-up without an account-existence oracle (issue 11; OWASP ASVS V6 / the OWASP
Authentication Cheat Sheet's "account creation" advice).

A valid form always gets the same answer, "check your mailbox", whether or not its username or
USCC is already registered. The mailbox then tells its owner what happened: a new registration
gets an activation link (the account stays inactive until it is opened), a duplicate gets an
e-mail saying the username or code is taken and what to do. Only the owner of the address
learns whether an account exists.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from evalorg.accounts.models import User


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
    send_mail(subject, body, None, [to])


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
