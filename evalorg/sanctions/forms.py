from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _lazy

from evalorg.applications.models import ApplicationOccupation
from evalorg.institutions.models import Institution

from .models import Sanction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LineChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.occupation.name}（{obj.occupation_id}）{obj.get_level_display()}"


class DraftForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_lazy("评价组织"), queryset=Institution.objects.none()
    )
    kind = forms.ChoiceField(label=_lazy("处理种类"), choices=Sanction.Kind.choices)
    line = LineChoice(
        label=_lazy("取消备案的职业（工种）及等级"),
        queryset=ApplicationOccupation.objects.none(),
        required=False,
        help_text=_lazy("仅取消单个职业（工种）备案时选择；不选则取消整个备案。"),
    )
    starts_on = forms.DateField(label=_lazy("暂停开始日期"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_lazy("暂停结束日期"), required=False, widget=DATE)
    facts = forms.CharField(
        label=_lazy("违规事实"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    clause = forms.CharField(
        label=_lazy("依据条款"),
        max_length=100,
        initial="N-5.2",
        help_text=_lazy("如 N-5.2（《通知》五(二)）。"),
    )
    evidence = forms.CharField(
        label=_lazy("证据"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_file = forms.FileField(
        label=_lazy("证据材料（PDF、Word 或图片，可选）"), required=False
    )

    def __init__(
        self,
        *args: Any,
        institutions: QuerySet[Institution],
        lines: QuerySet[ApplicationOccupation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        self.fields["line"].queryset = lines  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def draft_data(self) -> dict[str, Any]:
        keys = ("kind", "line", "starts_on", "ends_on", "facts", "clause", "evidence")
        return {k: self.cleaned_data[k] for k in keys}
