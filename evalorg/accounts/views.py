from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evalorg.core import clock
from evalorg.core.confirm import unless_confirmed
from evalorg.core.todo import todo_groups

from . import ratelimits, tokens
from .forms import ApiTokenForm, LoginForm, OutboxPasswordResetForm
from .models import ApiToken
from .navigation import dashboard_sections

# The account that proved its password but is not activated yet; the sign-up's "resend the
# activation link" reads it (institutions.views.signup_resend).
PENDING_ACTIVATION_KEY = "pending_activation_user"


class LoginView(auth_views.LoginView):
    """Django's login with the lockout policy of docs/security.md (ASVS V6.3, issue 21 item 4):
    axes locks a username-and-address pair after 5 failures; one address over its failure
    rate gets 429; an account over its failure rate asks for a captcha with the password
    instead of closing, so nobody can keep its owner out. The account's rate counts only the
    attempts whose password was checked."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if ratelimits.exceeded(request, ratelimits.LOGIN_IP):
            return ratelimits.too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            kwargs["require_captcha"] = ratelimits.exceeded(
                self.request, ratelimits.ACCOUNT_PASSWORD
            )
        return kwargs

    def form_invalid(self, form) -> HttpResponse:
        ratelimits.count(self.request, ratelimits.LOGIN_IP)
        if form.password_checked and not getattr(self.request, "axes_locked_out", False):
            ratelimits.count(self.request, ratelimits.ACCOUNT_PASSWORD)
        if form.pending_activation is not None:  # the password was right: may ask for a new link
            self.request.session[PENDING_ACTIVATION_KEY] = form.pending_activation.pk
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
    and per e-mail (no mail bombing). The e-mail goes through the outbox."""

    form_class = OutboxPasswordResetForm
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
    return render(
        request,
        "home.html",
        {"todo_groups": todo_groups(request.user), "dashboard": dashboard_sections(request)},
    )


def _profile(request: HttpRequest, form: ApiTokenForm, new_secret: str = "") -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "may_hold_tokens": tokens.may_hold_tokens(user),
            "tokens": ApiToken.objects.filter(user=user),
            "new_secret": new_secret,
            "now": clock.now(),
        },
    )


# A token's secret between its creation (POST) and the page that shows it once (GET): kept in
# the server-side session only until that page is shown, so a refresh re-submits nothing.
NEW_TOKEN_KEY = "new_api_token_secret"


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own page: who they are and, for staff, their personal API tokens."""
    return _profile(request, ApiTokenForm(), new_secret=request.session.pop(NEW_TOKEN_KEY, ""))


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token; the profile page then shows its secret once (only its hash is stored)."""
    form = ApiTokenForm(request.POST)
    if not tokens.may_hold_tokens(request.user):
        raise PermissionDenied(_("只有评价指导机构和省人社厅的工作人员可以创建 API 令牌。"))
    if not form.is_valid():
        return _profile(request, form)
    try:
        new = tokens.create(request.user, **form.cleaned_data)
    except tokens.TokenRefused as refused:
        form.add_error(None, str(refused))
        return _profile(request, form)
    request.session[NEW_TOKEN_KEY] = new.secret
    return redirect("accounts:profile")  # post/redirect/get: the secret is shown once there


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens once asked (issue 22): without ``confirm=yes`` (the
    dialog of static/js/confirm.js, or no JavaScript) the confirm page asks, nothing changes."""
    token = ApiToken.objects.filter(user=request.user, pk=pk, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    question = _(
        "撤销令牌“%(name)s”后，使用它的系统将立即无法调用本系统的 API，且不能恢复。确定撤销吗？"
    )
    asked = unless_confirmed(
        request, question % {"name": token.name}, back=reverse("accounts:profile")
    )
    if asked is not None:
        return asked
    if tokens.revoke(request.user, pk) is None:
        raise Http404
    messages.success(request, _("令牌已撤销，使用它的请求将被拒绝。"))
    return redirect("accounts:profile")
