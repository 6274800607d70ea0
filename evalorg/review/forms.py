"""Forms of the panel pages (staff) and of the expert's declaration and scoresheet."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import (
    QuerySet,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Agency, User
from evalorg.catalog.models import Division
from evalorg.institutions.models import Category
from evalorg.institutions.uscc import parse_uscc
from evalorg.rounds.models import ChecklistItem, Round

from .inbox import INBOX_STATES, SORT_CHOICES
from .models import (
    ConflictKind,
    Opinion,
    VerificationCheck,
)
from .scoring import DIMENSIONS, TemplateItem
from .services import major_group_names
from .verification import FLAGS, GENERAL_NOTE_MAX, NOTE_MAX, CheckInput

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


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_lazy("机构名称或统一社会信用代码"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=_lazy("状态"), choices=[("", _lazy("全部状态")), *INBOX_STATES], required=False
    )
    category = forms.ChoiceField(
        label=_lazy("机构类别"),
        choices=[("", _lazy("全部类别")), *Category.choices],
        required=False,
    )
    occupation = forms.CharField(label=_lazy("职业代码或名称"), max_length=50, required=False)
    round = forms.ChoiceField(label=_lazy("遴选批次"), required=False)
    county = forms.ChoiceField(label=_lazy("所在区县"), required=False)
    agency = forms.ChoiceField(label=_lazy("受理（报送）机构"), required=False)
    min_city_total = forms.DecimalField(
        label=_lazy("地市评分不低于"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    max_city_rank = forms.IntegerField(label=_lazy("地市排名不低于第"), required=False, min_value=1)
    needs_review = forms.ChoiceField(
        label=_lazy("人工核查"),
        choices=[("", _lazy("全部")), ("1", _lazy("需人工核查")), ("0", _lazy("无需核查"))],
        required=False,
    )
    sort = forms.ChoiceField(label=_lazy("排序"), choices=SORT_CHOICES, required=False)

    def __init__(
        self,
        *args,
        counties: Iterable[Division] = (),
        agencies: Iterable = (),
        rounds: Iterable = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("全部批次"))] + [(r.pk, r.name) for r in rounds]
        self.fields["county"].choices = [("", _("全部区县"))] + [(d.code, d.name) for d in counties]
        self.fields["agency"].choices = [("", _("全部机构"))] + [(a.pk, a.name) for a in agencies]
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.widget.attrs["class"] = "form-select form-select-sm"

    def value(self, name: str) -> str:
        """The cleaned value, or "" when absent or invalid (an invalid filter is ignored)."""
        return (self.cleaned_data.get(name) or "").strip()


class VerificationForm(forms.Form):
    """One row per applicable item: three checkboxes and a note; plus a general note."""

    general_note = forms.CharField(
        label=_lazy("退回补正的其他意见"),
        max_length=GENERAL_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items: list[ChecklistItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        labels = {
            "present": _lazy("已提交"),
            "complete": _lazy("完整"),
            "authentic": _lazy("真实"),
        }
        for item in items:
            for flag in FLAGS:
                self.fields[f"{item.code}-{flag}"] = forms.BooleanField(
                    label=labels[flag], required=False
                )
            self.fields[f"{item.code}-note"] = forms.CharField(
                label=_lazy("意见"),
                max_length=NOTE_MAX,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _lazy("未通过时请写明需补正的内容")}),
            )

    @staticmethod
    def initial_from(checks: dict[str, VerificationCheck]) -> dict:
        initial = {}
        for code, check in checks.items():
            for flag in FLAGS:
                initial[f"{code}-{flag}"] = getattr(check, flag)
            initial[f"{code}-note"] = check.note
        return initial

    def rows(self) -> list[dict]:
        return [
            {
                "item": item,
                "flags": [self[f"{item.code}-{flag}"] for flag in FLAGS],
                "note": self[f"{item.code}-note"],
            }
            for item in self.items
        ]

    def checks(self) -> list[CheckInput]:
        data = self.cleaned_data
        return [
            CheckInput(
                code=item.code,
                title=item.title,
                optional=item.required_when == ChecklistItem.RequiredWhen.OPTIONAL,
                present=data[f"{item.code}-present"],
                complete=data[f"{item.code}-complete"],
                authentic=data[f"{item.code}-authentic"],
                note=data[f"{item.code}-note"].strip(),
            )
            for item in self.items
        ]

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class ExpertForm(forms.Form):
    full_name = forms.CharField(label=_lazy("姓名"), max_length=60)
    employer_name = forms.CharField(label=_lazy("工作单位"), max_length=200)
    employer_uscc = forms.CharField(label=_lazy("工作单位统一社会信用代码"), max_length=18)
    title = forms.CharField(label=_lazy("职称/职务"), max_length=100, required=False)
    specialties = forms.TypedMultipleChoiceField(
        label=_lazy("专业领域（职业大类）"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _lazy("请至少选择一个专业领域。")},
    )
    phone = forms.RegexField(
        label=_lazy("手机号码"),
        regex=r"^1\d{10}$",
        error_messages={"invalid": _lazy("请填写 11 位手机号码。")},
    )
    email = forms.EmailField(label=_lazy("电子邮箱（接收账号开通邮件）"), max_length=254)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = [
            (n, f"{n} {name}") for n, name in sorted(major_group_names().items())
        ]

    def clean_employer_uscc(self) -> str:
        facts = parse_uscc(self.cleaned_data["employer_uscc"])
        if not facts.is_valid:
            raise forms.ValidationError(facts.error)
        return facts.code

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(_("该电子邮箱已有账号，不能重复添加。"))
        return email


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_lazy("推荐意见"),
        choices=[("recommend", _lazy("推荐")), ("not_recommend", _lazy("不推荐"))],
    )
    reason = forms.CharField(
        label=_lazy("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _lazy("请填写推荐或不推荐的理由。")},
    )


class ExtensionForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_lazy("地市评价指导机构"), queryset=Agency.objects.filter(kind=Agency.Kind.CITY)
    )
    round = forms.ModelChoiceField(label=_lazy("批次"), queryset=Round.objects.all())
    until = forms.DateField(
        label=_lazy("报送期限延至（含当天）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_lazy("理由"), max_length=300)

    def clean(self):
        data = super().clean()
        round_, until = data.get("round"), data.get("until")
        if round_ and until and until <= round_.city_assessment_deadline:
            self.add_error(
                "until",
                _("延长后的期限应晚于原地市评估截止日 %(d)s。")
                % {"d": f"{round_.city_assessment_deadline:%Y年%m月%d日}"},
            )
        return data
