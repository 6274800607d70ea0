"""Second-factor pages: enrolment (QR code), verification, recovery codes (issue 11)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from . import ratelimits, second_factor
from .models import Role

CODES_SESSION_KEY = "otp_new_recovery_codes"


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_lazy("验证码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
                "autofocus": True,
            }
        ),
    )


class ReplaceDeviceForm(CodeForm):
    """Replacing an enrolled authenticator asks again for the password and a code of the
    current device (issue 21 item 8): a verified session alone does not suffice."""

    password = forms.CharField(
        label=_lazy("当前密码"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "form-control"}
        ),
    )
    current_token = forms.CharField(
        label=_lazy("原设备上的验证码（或一个未用过的备用码）"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "class": "form-control"}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next(request)})}"


def _refused(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A wrong code: the page again (or axes' lockout, which its middleware answers)."""
    if second_factor.locked(request):
        from .views import lockout_response

        return lockout_response(request)
    context["form"].add_error(
        "token",
        _("验证码不正确或已使用过，请输入验证器上当前显示的 6 位数字或一个未用过的备用码。"),
    )
    return render(request, template, context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next(request))
    if not second_factor.has_device(request.user):
        return redirect(_with_next("accounts:otp_setup", request))
    if request.method == "POST" and ratelimits.exceeded(request, ratelimits.CODE_FAILURES):
        return ratelimits.too_many_requests(request)
    form = CodeForm(request.POST or None)
    context = {"form": form, "next": _next(request)}
    if request.method == "POST" and form.is_valid():
        if second_factor.verify(request, form.cleaned_data["token"]):
            return redirect(_next(request))
        return _refused(request, "accounts/otp_verify.html", context)
    return render(request, "accounts/otp_verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app. Someone who already has one must pass it first: a stolen
    password alone never replaces the victim's device."""
    if second_factor.has_device(request.user) and not request.user.is_verified():
        return redirect(_with_next("accounts:otp_verify", request))
    if request.method == "POST" and ratelimits.exceeded(request, ratelimits.CODE_FAILURES):
        return ratelimits.too_many_requests(request)
    device = second_factor.pending_device(request.user)
    replacing = second_factor.has_device(request.user)
    form = (ReplaceDeviceForm if replacing else CodeForm)(request.POST or None)
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": second_factor.qr_svg(device),
        "secret": second_factor.secret_base32(device),
        "required": request.user.has_role(Role.SECOND_FACTOR),
        "has_device": second_factor.has_device(request.user),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if replacing and not second_factor.reauthenticated(
            request, data["password"], data["current_token"]
        ):
            return _reauthentication_refused(request, context)
        codes = second_factor.enrol(request, device, form.cleaned_data["token"])
        if codes is None:
            return _refused(request, "accounts/otp_setup.html", context)
        request.session[CODES_SESSION_KEY] = codes
        messages.success(request, _("双因素认证已启用。请妥善保存下列备用验证码。"))
        return redirect(_with_next("accounts:otp_recovery_codes", request))
    status = 400 if form.errors else 200
    return render(request, "accounts/otp_setup.html", context, status=status)


def _reauthentication_refused(request: HttpRequest, context: dict) -> HttpResponse:
    if second_factor.locked(request):
        from .views import lockout_response

        return lockout_response(request)
    context["form"].add_error(None, _("当前密码或原设备验证码不正确，未更换设备。"))
    return render(request, "accounts/otp_setup.html", context, status=400)


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once (they are stored only as the devices' tokens)."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_next(request))
    return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next(request)})
