from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from . import ratelimits
from .forms import LoginForm
from .navigation import todo_items


class LoginView(auth_views.LoginView):
    """Django's login; wrong passwords also count toward the per-IP and per-account failure
    rates (429 once over), on top of axes' lockout of the username-and-address pair."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if ratelimits.exceeded(request, ratelimits.LOGIN_FAILURES):
            return ratelimits.too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        ratelimits.count(self.request, ratelimits.LOGIN_FAILURES)
        return super().form_invalid(form)


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """axes' answer once a username is locked for this address (also after wrong codes)."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)  # a half-logged-in user (password right, code wrong) is sent out
    minutes = settings.AXES_COOLOFF_MINUTES
    message = _(
        "该账户因在本网络地址连续 %(limit)s 次登录失败（密码或动态验证码错误）已被锁定，"
        "请 %(minutes)s 分钟后再试；如需提前解锁，请联系系统管理员。"
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    form = LoginForm(request, data=request.POST or None)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout_message": message},
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


@method_decorator(ratelimits.limited(ratelimits.PASSWORD_RESET), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, in Chinese. The page says the same whether or not the address
    is known, so it never tells which e-mail addresses have accounts. Rate-limited per address
    and per e-mail (no mail bombing)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"todo_items": todo_items(request.user)})
