from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from evalorg.notify.services import queue_email


class LoginForm(AuthenticationForm):
    """Django's login form; with ``require_captcha`` (the account is over its failure rate,
    ``LoginView``) the password is checked only after a correct captcha. ``password_checked``
    says whether it was (only those attempts count toward the account's rate)."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续 5 次错误将锁定账户。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
        "not_activated": _(
            "该账户尚未激活：请打开注册时发到您邮箱的激活链接。未收到邮件或链接已过期的，"
            "可重新发送激活邮件。"
        ),
    }

    # The account whose password was right but which was never activated (issue 22); only
    # then is "not activated yet" said, so the answer tells nothing to who lacks the password.
    pending_activation = None

    def __init__(self, request: Any = None, *args: Any, require_captcha: bool = False, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.password_checked = False
        if require_captcha:
            self.fields["captcha"] = CaptchaField(
                label=_("验证码"),
                help_text=_("该账户近期登录失败次数较多，请同时输入验证码（ASVS 6.3）。"),
                error_messages={
                    "invalid": _("验证码错误，请重新输入。"),
                    "required": _("请输入验证码。"),
                },
            )

    def clean(self) -> dict[str, Any]:
        if "captcha" in self.fields and "captcha" in self.errors:
            return self.cleaned_data  # the password is not checked without the captcha
        self.password_checked = bool(
            self.cleaned_data.get("username") is not None and self.cleaned_data.get("password")
        )
        try:
            return super().clean()
        except ValidationError as error:
            self.pending_activation = self._never_activated()
            if self.pending_activation is None:
                raise
            raise ValidationError(
                self.error_messages["not_activated"], code="not_activated"
            ) from error

    def _never_activated(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return None
        try:
            user = get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            return None
        if user.is_active or user.last_login is not None or not user.check_password(password):
            return None
        # A member its institution's admin deactivated is not waiting for a link (issue 22):
        # a new activation link would let it back in.
        if getattr(getattr(user, "membership", None), "status", "") == "deactivated":
            return None
        return user


class ApiTokenForm(forms.Form):
    """Create a personal API token (issue 13): what for, read-only or read-write, how long."""

    name = forms.CharField(label=_("用途"), max_length=60)
    scope = forms.ChoiceField(
        label=_("权限"),
        choices=[("read", _("只读")), ("write", _("读写（可执行审核操作）"))],
        initial="read",
    )
    days = forms.TypedChoiceField(
        label=_("有效期"),
        coerce=int,
        choices=[(30, _("30 天")), (90, _("90 天")), (180, _("180 天")), (365, _("365 天"))],
        initial=90,
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the e-mail goes through the outbox (``queue_email``) like every
    other one: recorded, delivered by the worker after the commit and retried on failure."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        queue_email([to_email], subject, body)
