"""Sends a logged-in user who needs a second factor to enrolment or verification."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import second_factor

# Pages a half-logged-in user may reach: the second-factor pages themselves and logout.
ALLOWED_URL_NAMES = ("otp_verify", "otp_setup", "logout")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._allowed(request.path)
            and second_factor.required_for(user)
        ):
            name = "otp_verify" if second_factor.has_device(user) else "otp_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:' + name)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        if path.startswith(settings.STATIC_URL):
            return True
        return any(path == reverse(f"accounts:{name}") for name in ALLOWED_URL_NAMES)
