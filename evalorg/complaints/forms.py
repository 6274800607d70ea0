from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evalorg.publicity.forms import PHONE

from .models import Complaint


class ComplaintForm(forms.Form):
    """The public complaint form: the same identity rules as an objection (N-5.2, N-4.1.3)."""

    complainant_name = forms.CharField(
        label=_("真实姓名"),
        max_length=60,
        error_messages={"required": _("请填写真实姓名：匿名投诉不予受理（N-5.2）。")},
    )
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    complainant_email = forms.EmailField(
        label=_("电子邮箱（用于告知处理结果）"),
        required=False,
        error_messages={"invalid": _("请填写有效的电子邮箱。")},
    )
    facts = forms.CharField(
        label=_("投诉事实和理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写投诉的事实和理由。")},
    )
    evidence = forms.FileField(
        label=_("证明材料（可选，PDF/JPEG/PNG/DOCX，10 MB 以内）"), required=False
    )
    captcha = CaptchaField(
        label=_("验证码"),
        error_messages={"invalid": _("验证码错误，请重新输入。"), "required": _("请输入验证码。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_complainant_phone(self) -> str:
        phone = str(self.cleaned_data["complainant_phone"]).replace(" ", "")
        if phone and not PHONE.match(phone):
            raise ValidationError(_("请填写有效的手机号码或固定电话（如 020-12345678）。"))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("complainant_phone")
            and not data.get("complainant_email")
            and not (self.has_error("complainant_phone") or self.has_error("complainant_email"))
        ):
            raise ValidationError(
                _(
                    "请至少填写联系电话或电子邮箱中的一项：无联系方式的投诉视为匿名，不予受理（N-5.2）。"
                )
            )
        return data


STATUS_FILTER = [("", _("全部")), *Complaint.Status.choices]
