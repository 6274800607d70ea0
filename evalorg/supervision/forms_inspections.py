"""The forms of one random inspection's page (N-5.2): a finding, the rectification order's
deadline, the organization's answer with its files, the agency's escalation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .findings import EVIDENCE_MAX_BYTES
from .models import InspectionFinding, RectificationEvidence

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EVIDENCE_HELP = _lazy("PDF、Word、JPEG 或 PNG，每个不超过 10 MB。")
# The sanction an escalation drafts (the sanctions app checks the kind and the period).
SANCTION_KINDS = [
    ("warning", _lazy("警告")),
    ("suspension", _lazy("暂停")),
    ("revocation", _lazy("取消备案")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class StyledForm(forms.Form):
    """Bootstrap's classes on every widget, as the project's other forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _size_checked(upload: Any) -> Any:
    if upload is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(_("文件“%(name)s”超过 10 MB。") % {"name": upload.name})
    return upload


class FindingForm(StyledForm):
    category = forms.ChoiceField(
        label=_lazy("问题类别"), choices=InspectionFinding.Category.choices
    )
    description = forms.CharField(
        label=_lazy("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(
        label=_lazy("证据材料（可选）"), required=False, help_text=EVIDENCE_HELP
    )

    def clean_evidence(self) -> Any:
        return _size_checked(self.cleaned_data.get("evidence"))


class RectifyForm(StyledForm):
    rectify_by = forms.DateField(label=_lazy("整改期限（含当天）"), widget=DATE)


class AnswerForm(StyledForm):
    answer = forms.CharField(
        label=_lazy("整改情况说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(
        label=_lazy("整改证明材料"),
        required=False,
        help_text=_lazy("可多选，最多 10 个；PDF、Word、JPEG 或 PNG，每个不超过 10 MB。"),
    )

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data.get("files") or []
        if len(files) > RectificationEvidence.MAX_PER_ANSWER:
            raise forms.ValidationError(
                _("最多上传 %(n)d 个文件。") % {"n": RectificationEvidence.MAX_PER_ANSWER}
            )
        return [_size_checked(f) for f in files]


class EscalateForm(StyledForm):
    reason = forms.CharField(
        label=_lazy("移交理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_lazy("拟作出的处理"), choices=SANCTION_KINDS)
    starts_on = forms.DateField(label=_lazy("暂停开始日期"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_lazy("暂停结束日期"), required=False, widget=DATE)
