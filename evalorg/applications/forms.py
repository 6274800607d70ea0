from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evalorg.catalog.models import Division
from evalorg.institutions.identity import (
    IDENTITY_FIELDS,
    identity_locked,
    identity_of,
    locked_refusal,
)
from evalorg.institutions.models import Category, Institution, OtherKind

from .models import Route, SkillLevel
from .widgets import FastSelect


class InstitutionStepForm(forms.ModelForm):
    """Step 1: the institution facts the rules and the routing depend on."""

    route = forms.ChoiceField(
        label=_("报送渠道（省属机构）"), choices=[("", "—"), *Route.choices], required=False
    )

    class Meta:
        model = Institution
        fields = [
            "name",
            "category",
            "other_kind",
            "level",
            "city",
            "county",
            "address",
            "recommended_by_authority",
            "recommending_authority",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = Division.objects.filter(level="prefecture")
        self.fields["county"].queryset = Division.objects.filter(
            level="county", parent_id=self._city_code()
        ).order_by("code")
        self.fields["category"].choices = Category.choices
        self.fields["other_kind"].choices = [("", "—"), *OtherKind.choices]
        # The county list follows the chosen city (htmx swaps the options in).
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": reverse("institutions:county_options"),
                "hx-target": f"#{self['county'].auto_id}",
                "hx-trigger": "change",
            }
        )
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
                if type(widget) is forms.Select:  # not a SelectMultiple: same HTML, faster
                    field.widget = FastSelect(attrs=widget.attrs, choices=widget.choices)
            else:
                widget.attrs.setdefault("class", "form-control")

    def _city_code(self) -> str:
        """The chosen city's code for the county list; anything but a division code (a typed
        or hostile value: PostgreSQL refuses a NUL in a query) lists no county."""
        if self.is_bound:
            code = str(self.data.get(self.add_prefix("city")) or "")
        else:
            code = str(self.initial.get("city") or getattr(self.instance, "city_id", "") or "")
        return code if code.isascii() and code.isdigit() and len(code) <= 12 else ""

    def clean(self):
        data = super().clean()
        city, county = data.get("city"), data.get("county")
        if city and county and county.parent_id != city.code:
            self.add_error("county", _("所选区县不属于所选地级市。"))
        if data.get("category") == Category.OTHER and not data.get("other_kind"):
            self.add_error("other_kind", _("“其他机构”须选择具体类型（N-2.1）。"))
        if data.get("recommended_by_authority") and not data.get("recommending_authority"):
            self.add_error("recommending_authority", _("请填写推荐的省级行业主管部门（N-5.3）。"))
        self._refuse_fixed_identity(data)
        return data

    def _refuse_fixed_identity(self, data: dict) -> None:
        """The wizard is no way around an identity change request (issue 21 item 1): while
        the institution has a filing or another open application, its name, legal form and
        registered address are refused here as on the profile edit."""
        if not self.instance.pk or not identity_locked(self.instance):
            return
        stored = identity_of(self.instance)
        for name in IDENTITY_FIELDS:
            value = data.get(name)
            value = value.pk if isinstance(value, Division) else ("" if value is None else value)
            if name in data and str(value) != stored[name]:
                self.add_error(name, str(locked_refusal()))


class OccupationAddForm(forms.Form):
    code = forms.CharField(label=_("职业代码"), max_length=10)
    levels = forms.TypedMultipleChoiceField(
        label=_("申报等级"),
        choices=SkillLevel.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个等级（五级至一级）。")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), error_messages={"required": _("请选择要上传的文件。")})


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "本机构承诺：所填信息和上传材料真实、准确、完整，自愿接受各级人力资源社会保障部门的监管。"
        ),
        error_messages={"required": _("请勾选承诺后再提交。")},
    )
