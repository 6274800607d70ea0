"""Forms of the panel pages (staff) and of the expert's declaration and scoresheet."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import User

from .models import ConflictKind, Opinion
from .scoring import DIMENSIONS, TemplateItem

STEP = Decimal("0.5")


def points_label(value: Decimal) -> str:
    """``Decimal("10")`` → ``"10"``, ``Decimal("7.50")`` → ``"7.5"``."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def stored_points(value: Decimal) -> int | float:
    """JSON-friendly points: whole numbers as int, halves as float (exact in binary)."""
    return int(value) if value == value.to_integral_value() else float(value)


class MemberForm(forms.Form):
    """One expert among ``experts``: the agency's own pool and the central one."""

    expert = forms.ModelChoiceField(
        label=_lazy("专家"),
        queryset=User.objects.none(),
        error_messages={
            "required": _lazy("请选择专家。"),
            "invalid_choice": _lazy("所选用户不在本机构专家库或省统一专家库中。"),
        },
    )

    def __init__(self, *args, experts: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class AssignForm(forms.Form):
    """Give one verified application to the panel: every member, or the chosen ones."""

    application = forms.IntegerField(widget=forms.HiddenInput)
    experts = forms.ModelMultipleChoiceField(
        label=_lazy("评分专家（不选则全体成员评分）"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _lazy("所选专家不是本评审组成员。")},
    )

    def __init__(self, *args, members: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = members


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("退回理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _lazy("请填写退回评估表的理由。")},
    )


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(
        label=_lazy("回避情形"),
        choices=ConflictKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _lazy("请选择是否存在利益冲突。")},
    )
    note = forms.CharField(
        label=_lazy("说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == ConflictKind.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("选择“其他”时请说明回避情形。"))
        return data


def score_field(code: str) -> str:
    return f"score_{code}"


def comment_field(dimension: str) -> str:
    return f"comment_{dimension}"


class ScoresheetForm(forms.Form):
    """The 附件3 items of the round and level; partial drafts allowed, complete submissions."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    opinion = forms.ChoiceField(
        label=_lazy("总体意见"),
        choices=Opinion.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, items: list[TemplateItem], submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.submitting = submitting
        for item in items:
            self.fields[score_field(item.code)] = forms.CharField(
                label=item.title,
                required=False,
                help_text=item.guidance,
                widget=forms.NumberInput(
                    attrs={
                        "min": "0",
                        "max": points_label(item.max_points),
                        "step": str(STEP),
                        "inputmode": "decimal",
                    }
                ),
            )
        for code, label in DIMENSIONS:
            self.fields[comment_field(code)] = forms.CharField(
                label=_("%(d)s评价意见") % {"d": label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict:
        data = super().clean()
        for item in self.items:
            name = score_field(item.code)
            raw = (self.data.get(self.add_prefix(name)) or "").strip()
            if not raw:
                if self.submitting:
                    self.add_error(name, _("请填写“%(t)s”的得分。") % {"t": item.title})
                data[name] = None
                continue
            error = self._points_error(raw, item)
            if error:
                self.add_error(name, error)
            else:
                data[name] = Decimal(raw)
        if self.submitting and not data.get("opinion"):
            self.add_error("opinion", _("提交前请选择总体意见（推荐、不推荐或待定）。"))
        return data

    @staticmethod
    def _points_error(raw: str, item: TemplateItem) -> str:
        names = {"t": item.title, "max": points_label(item.max_points)}
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return _("“%(t)s”的得分应为数字。") % names
        if not value.is_finite() or value < 0 or value > item.max_points:
            return _("“%(t)s”的得分应在 0 到 %(max)s 分之间。") % names
        if value % STEP != 0:
            return _("“%(t)s”的得分应为 0.5 的整数倍。") % names
        return ""

    def scores(self) -> dict[str, int | float]:
        return {
            item.code: stored_points(self.cleaned_data[score_field(item.code)])
            for item in self.items
            if self.cleaned_data.get(score_field(item.code)) is not None
        }

    def comments(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[comment_field(code)].strip()
            for code, _label in DIMENSIONS
            if self.cleaned_data.get(comment_field(code), "").strip()
        }


def initial_for(scores: dict, comments: dict, opinion: str, version: int) -> dict:
    initial: dict = {"version": version, "opinion": opinion}
    for code, value in scores.items():
        initial[score_field(code)] = points_label(Decimal(str(value)))
    for code, text in comments.items():
        initial[comment_field(code)] = text
    return initial
