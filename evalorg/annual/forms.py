from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from .models import AnnualReport


class ReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["quality_measures", "examiners_on_staff"]
        widgets = {
            "quality_measures": forms.Textarea(attrs={"rows": 6}),
            "examiners_on_staff": forms.NumberInput(attrs={"min": 0, "max": 100000}),
        }
        help_texts = {
            "quality_measures": _lazy(
                "本年度落实质量督导、规范认定考务、完善试题等质量管理措施（不少于 20 个字）。"
            ),
            "examiners_on_staff": _lazy("年末在册的考评人员（考评员、督导员）人数。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["examiners_on_staff"].min_value = 0
        self.fields["examiners_on_staff"].max_value = 100000

    def report_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
