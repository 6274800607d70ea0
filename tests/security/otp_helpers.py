"""Compute the code an authenticator app would show (django_otp's own TOTP)."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: the current step, or the next one (within the
    device's tolerance) when the current one was just used, as in back-to-back logins."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    if device.last_t >= now_t + device.tolerance:
        time.sleep(device.step)  # already used the one ahead too: wait for the next step
        return fresh_code(device)
    return code_for(device, max(0, device.last_t + 1 - now_t))
