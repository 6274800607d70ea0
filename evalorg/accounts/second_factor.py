"""Second factor (django-otp): TOTP apps, one-time recovery codes, admin reset (issue 11).

Required for every role that decides or reads other parties' data (city and provincial staff,
the department, experts, admins and anyone with admin-site access); applicants may enable it,
and once they have, it is required for them too. A user who needs it and has no confirmed
device is sent to enrolment on first login; the session counts as verified only after a code.
"""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from evalorg.core import audit

from . import ratelimits
from .models import Role, User

RECOVERY_CODES = 10
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"


def required_for(user: User) -> bool:
    """Must this user pass a second factor before using the system?"""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.SECOND_FACTOR) or user.is_staff or user.is_superuser:
        return True
    return has_device(user)


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user; a new secret on each enrolment)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth URI as an inline SVG (no image request, no inline style)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # without the XML declaration, to sit inside HTML


def secret_base32(device: TOTPDevice) -> str:
    """The secret in the form authenticator apps take when typed in (groups of four)."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def enrol(request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending device with a first code; return new recovery codes, or ``None``
    (the wrong code counts as a failed login)."""
    if locked(request) or not device.verify_token(_digits(token)):
        failed(request)
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(device.user)
        audit.record("otp_enrolled", device.user, actor=device.user, data={"recovery_codes": 10})
    _passed(request, device)
    return codes


def _passed(request: HttpRequest, device: Any) -> None:
    """The second factor passed: a new session key (issue 21 item 8: the key a half-logged-in
    session had is not the verified session's, so a key fixed or seen before is worthless),
    then django-otp's login of the device."""
    request.session.cycle_key()
    otp_login(request, device)


def verify(request: HttpRequest, token: str) -> bool:
    """Check a TOTP code or an unused recovery code for the logged-in user."""
    user = request.user
    if locked(request):
        return False
    token = token.strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(_digits(token)):
            _passed(request, device)
            audit.record("otp_verified", user, actor=user)
            return True
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):  # deletes the code: each is good once
            _passed(request, device)
            left = device.token_set.count()
            audit.record("recovery_code_used", user, actor=user, data={"left": left})
            return True
    failed(request)
    return False


def reauthenticated(request: HttpRequest, password: str, token: str) -> bool:
    """Re-authentication before an authenticator is replaced (issue 21 item 8, ASVS V6.4):
    the password and a code of the current device (or an unused recovery code). A failure
    counts as a failed login, like a wrong code."""
    user = request.user
    if not locked(request) and user.check_password(password):
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(_digits(token)):
                return True
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            if static.verify_token(token.strip().replace(" ", "")):
                return True
    failed(request)
    return False


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())


def locked(request: HttpRequest) -> bool:
    """axes' lockout of this username and address, which wrong codes also feed."""
    credentials = {"username": request.user.get_username()}
    return AxesProxyHandler.is_locked(request, credentials)


def failed(request: HttpRequest) -> None:
    """A wrong code: a failed login for axes (and the audit chain) and the failure rates."""
    ratelimits.count(request, ratelimits.CODE_FAILURES)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": request.user.get_username()},
        request=request,
    )


def reset(user: User, *, by: User, reason: str = "") -> int:
    """An administrator's reset after a lost device: every device goes, the next login
    enrols again. Audited."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        audit.record(
            "otp_reset",
            user,
            actor=by,
            data={"username": user.username, "reason": reason},
            audience=audit.Audience.STAFF,
        )
    return removed
