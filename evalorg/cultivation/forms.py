from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evalorg.institutions.models import Institution

from .models import BankReviewSheet, TrainingSession


class SignForm(forms.Form):
    signed_name = forms.CharField(
        label=_("法定代表人姓名（在线签署）"),
        max_length=60,
        help_text=_("请输入机构登记的法定代表人姓名，视为法定代表人签署本承诺书。"),
    )
    agree = forms.BooleanField(label=_("本机构已阅读并同意遵守上述承诺"))


class SessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["held_on", "topic", "place"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class AttendanceForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("培育机构"), queryset=Institution.objects.none(), empty_label=None
    )
    attendee_name = forms.CharField(label=_("参训人员"), max_length=60)
    attended = forms.BooleanField(label=_("已参加"), required=False, initial=True)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if institutions is not None:
            self.fields["institution"].queryset = institutions


class DeliverableForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"))
    file = forms.FileField(label=_("工作簿（XLSX）"))
    attachment = forms.FileField(
        label=_("扫描件（PDF 或 DOCX，可选）"),
        required=False,
        help_text=_("盖章或签字的扫描件可随工作簿上传，但不能代替工作簿。"),
    )

    def __init__(self, *args, **kwargs):
        from .models import Deliverable

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Deliverable.Kind.choices


def _kind_labels() -> list[tuple[str, str]]:
    from .models import Deliverable

    return [(str(kind), str(label)) for kind, label in Deliverable.Kind.choices]


class BankDecisionForm(forms.Form):
    """The center's decision: a general opinion and one comment per deliverable, all told to
    the organization with the occupation and level (N-4.2)."""

    reason = forms.CharField(
        label=_("总体审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("审核未通过时，总体意见或各项成果意见至少填写一项，将告知申请机构。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in _kind_labels():
            self.fields[f"comment_{kind}"] = forms.CharField(
                label=_("%(kind)s审核意见") % {"kind": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def comments(self) -> dict[str, str]:
        return {
            kind: self.cleaned_data.get(f"comment_{kind}", "").strip()
            for kind, _label in _kind_labels()
        }


class AssignReviewerForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("评审专家"), queryset=None, empty_label=None)

    def __init__(self, *args, experts=None, conflicted=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["expert"]
        field.queryset = experts
        # The conflicted are listed, marked: choosing one is refused with the rule (N-4.1.2).
        field.label_from_instance = lambda user: (
            f"{user}{_('（存在回避情形）') if user.pk in conflicted else ''}"
        )


class ReviewSheetForm(forms.ModelForm):
    class Meta:
        model = BankReviewSheet
        fields = ["specification", "theory", "skill", "paper_plan", "marking", "recommendation"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ["specification", "theory", "skill", "paper_plan", "marking"]
        }

    def findings(self) -> dict[str, str]:
        return {kind: self.cleaned_data.get(kind, "") for kind, _label in _kind_labels()}
