from __future__ import annotations

import re

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evalorg.applications.models import Application

from .models import NoticeEntry, Objection

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class CaseChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        return f"{obj.institution.name}（{obj.institution.city.name}）"


class NoticeForm(forms.Form):
    cases = CaseChoice(
        label=_("公示机构（领导小组已同意）"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一家机构。")},
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    starts_on = forms.DateField(
        label=_("公示开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    objections_to = forms.CharField(
        label=_("异议受理方式（单位、地址、电话、邮箱）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    template = forms.CharField(
        label=_("正文模板"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000
    )

    def __init__(self, *args, cases: list[Application], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = Application.objects.filter(pk__in=[c.pk for c in cases])
        self.fields["cases"].choices = [
            (c.pk, self.fields["cases"].label_from_instance(c)) for c in cases
        ]
        self._cases = {c.pk: c for c in cases}

    def chosen(self) -> list[Application]:
        """The ticked cases, in the listed order, with their prefetched lines."""
        picked = {c.pk for c in self.cleaned_data["cases"]}
        return [case for pk, case in self._cases.items() if pk in picked]


class EntryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: NoticeEntry) -> str:
        return f"{obj.order}. {obj.name}"


class ObjectionForm(forms.Form):
    objector_name = forms.CharField(
        label=_("真实姓名"),
        max_length=60,
        error_messages={"required": _("请填写真实姓名：匿名反映不予受理（N-4.1.3）。")},
    )
    objector_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    objector_email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        error_messages={"invalid": _("请填写有效的电子邮箱。")},
    )
    entry = EntryChoice(
        label=_("被反映机构"),
        queryset=NoticeEntry.objects.none(),
        empty_label=_("请选择"),
        error_messages={"required": _("请选择被反映的机构。")},
    )
    grounds = forms.CharField(
        label=_("异议事实和理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写异议的事实和理由。")},
    )
    evidence = forms.FileField(
        label=_("证明材料（可选，PDF/JPEG/PNG/DOCX，10 MB 以内）"), required=False
    )
    captcha = CaptchaField(
        label=_("验证码"),
        error_messages={"invalid": _("验证码错误，请重新输入。"), "required": _("请输入验证码。")},
    )

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = notice.entries.all()
        for field in self.fields.values():
            style = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", style)

    def clean_objector_phone(self) -> str:
        phone = self.cleaned_data["objector_phone"].replace(" ", "")
        if phone and not PHONE.match(phone):
            raise ValidationError(_("请填写有效的手机号码或固定电话（如 020-12345678）。"))
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if (
            not data.get("objector_phone")
            and not data.get("objector_email")
            and not (self.has_error("objector_phone") or self.has_error("objector_email"))
        ):
            raise ValidationError(
                _(
                    "请至少填写联系电话或电子邮箱中的一项：无联系方式的反映视为匿名，不予受理（N-4.1.3）。"
                )
            )
        return data


class ResolveForm(forms.Form):
    reason = forms.CharField(
        label=_("处理意见"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


STATUS_FILTER = [("", _("全部")), *Objection.Status.choices]
