from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.applications.models import ApplicationOccupation

from .models import AssessmentPlan
from .roster import MAX_BYTES, RosterRefused, Row, read_roster

MAX_EXAMINERS = 50


class LineChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.occupation.name}（{obj.occupation_id}）{obj.get_level_display()}"


class PlanForm(forms.ModelForm):
    line = LineChoice(
        label=_lazy("备案职业（工种）及等级"), queryset=ApplicationOccupation.objects.none()
    )
    examiners_text = forms.CharField(
        label=_lazy("考评人员（每行一人）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_lazy("填写本次认定的考评人员姓名，每行一人。"),
    )

    class Meta:
        model = AssessmentPlan
        fields = ["line", "starts_on", "ends_on", "site", "expected_candidates"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "expected_candidates": forms.NumberInput(
                attrs={"min": 1, "max": AssessmentPlan.MAX_CANDIDATES}
            ),
        }

    def __init__(self, *args: Any, lines: QuerySet[ApplicationOccupation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines
        self.fields["expected_candidates"].min_value = 1
        if self.instance.pk and not self.is_bound:
            self.initial["examiners_text"] = "\n".join(self.instance.examiners)

    def clean_expected_candidates(self) -> int:
        value: int = self.cleaned_data["expected_candidates"]
        if not 1 <= value <= AssessmentPlan.MAX_CANDIDATES:
            raise forms.ValidationError(
                _("预计参加人数须在 1 至 %(max)d 之间（N-5.2）。")
                % {"max": AssessmentPlan.MAX_CANDIDATES}
            )
        return value

    def clean_examiners_text(self) -> list[str]:
        names = [n.strip()[:50] for n in self.cleaned_data["examiners_text"].splitlines()]
        names = [n for n in names if n]
        if not names:
            raise forms.ValidationError(_("请至少填写一名考评人员。"))
        if len(names) > MAX_EXAMINERS:
            raise forms.ValidationError(_("考评人员不能超过 %(max)d 人。") % {"max": MAX_EXAMINERS})
        return names

    def plan_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["examiners"] = data.pop("examiners_text")
        return data


class ResultsForm(forms.Form):
    candidates = forms.IntegerField(label=_lazy("参加人数"), min_value=1, max_value=5000)
    passed = forms.IntegerField(label=_lazy("合格人数"), min_value=0, max_value=5000)
    certificates = forms.IntegerField(label=_lazy("发放证书数"), min_value=0, max_value=5000)
    roster = forms.FileField(
        label=_lazy("认定名册（Excel）"),
        help_text=_lazy(
            "列：姓名、身份证号、认定结果（合格/不合格）、证书编号；不超过 5000 行、5 MB。"
        ),
    )

    def clean_roster(self) -> list[Row]:
        upload = self.cleaned_data["roster"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("认定名册不能超过 5 MB。"))
        try:
            return read_roster(upload, upload.size)
        except RosterRefused as refused:
            raise forms.ValidationError(refused.messages) from None


class ReportForm(forms.Form):
    YES_NO = [("yes", _lazy("是")), ("no", _lazy("否"))]
    on_time = forms.ChoiceField(
        label=_lazy("是否按计划时间开展"), choices=YES_NO, widget=forms.RadioSelect
    )
    procedures_followed = forms.ChoiceField(
        label=_lazy("是否符合规定程序"), choices=YES_NO, widget=forms.RadioSelect
    )
    irregularities = forms.CharField(
        label=_lazy("发现的问题"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def report_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "on_time": data["on_time"] == "yes",
            "procedures_followed": data["procedures_followed"] == "yes",
            "irregularities": data["irregularities"].strip(),
        }
