from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evalorg.institutions.models import Institution

from .models import TrainingSession


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
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, **kwargs):
        from .models import Deliverable

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Deliverable.Kind.choices


class BankDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("专家评审意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("审核未通过时必须填写，将告知申请机构。"),
    )
