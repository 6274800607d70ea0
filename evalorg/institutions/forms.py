"""Institution sign-up, profile, member and N-2.4.2 declaration forms."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

from evalorg.accounts.models import Role, User
from evalorg.catalog.models import Division

from .identity import (
    IDENTITY_FIELDS,
    USCC_FIXED_MESSAGE,
    identity_of,
    locked_refusal,
    uscc_refusal,
)
from .masking import mask_id_number
from .models import (
    Category,
    ExclusionDeclaration,
    ExclusionItem,
    Institution,
    Level,
    OtherKind,
)
from .uscc import parse_uscc

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|400-?\d{3}-?\d{4})$")
YES, NO = "1", "0"
YES_NO = [(YES, _("是")), (NO, _("否"))]

INSTITUTION_FIELDS = [
    "name",
    "uscc",
    "category",
    "other_kind",
    "level",
    "city",
    "county",
    "address",
    "legal_rep_name",
    "legal_rep_id_number",
    "contact_name",
    "contact_phone",
    "contact_email",
    "recommended_by_authority",
    "recommending_authority",
]
# Optional on the model (older records, demo data) but needed for an application.
REQUIRED_INSTITUTION_FIELDS = [
    "address",
    "legal_rep_name",
    "legal_rep_id_number",
    "contact_name",
    "contact_phone",
    "contact_email",
]


class BootstrapFormMixin:
    """Bootstrap 5 classes on widgets; ``is-invalid`` on every field that has an error."""

    def _style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes.split():
                    widget.attrs["class"] = f"{classes} is-invalid".strip()


class InstitutionForm(BootstrapFormMixin, forms.ModelForm):
    """The institution's own facts. ``is_chain_leader`` is set by the department only."""

    report_taken = True  # SignupForm says nothing about registered codes

    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18 位，见营业执照或登记证书。"),
        # A code of a government body (11…) shows the N-2.4.1 warning as it is typed (issue 22).
        widget=forms.TextInput(
            attrs={"data-warn-prefix": "11", "data-warn-target": "uscc-government-warning"}
        ),
    )
    city = forms.ModelChoiceField(
        label=_("所在地级市"),
        queryset=Division.objects.filter(level=Division.Level.PREFECTURE),
        empty_label=_("请选择"),
    )
    county = forms.ModelChoiceField(
        label=_("所在区县"),
        queryset=Division.objects.filter(level=Division.Level.COUNTY),
        empty_label=_("请选择"),
        required=False,
        help_text=_("东莞市、中山市不设区县，可不选。"),
    )
    legal_rep_id_number = forms.CharField(
        label=_("法定代表人身份证号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Institution
        fields = INSTITUTION_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择")), *Category.choices]
        self.fields["level"].choices = [("", _("请选择")), *Level.choices]
        self.fields["other_kind"].choices = [("", _("（不适用）")), *OtherKind.choices]
        self.fields["other_kind"].help_text = _("机构类别为“其他机构”时必填。")
        self.fields["recommending_authority"].help_text = _("由省级行业主管部门推荐时必填。")
        for name in REQUIRED_INSTITUTION_FIELDS:
            self.fields[name].required = True
        self._limit_counties()
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": reverse("institutions:county_options"),
                "hx-target": f"#{self['county'].auto_id}",
                "hx-trigger": "change",
            }
        )
        self._style_widgets()

    def _selected_city_code(self) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix("city")) or "")
        return str(self.initial.get("city") or getattr(self.instance, "city_id", "") or "")

    def _limit_counties(self) -> None:
        """Offer the chosen city's counties, or all grouped by city (validation checks the pair)."""
        field = self.fields["county"]
        counties = field.queryset.select_related("parent").order_by("code")
        city_code = self._selected_city_code()
        if city_code:
            choices: list = [(c.pk, c.name) for c in counties.filter(parent_id=city_code)]
        else:
            groups: dict[str, list[tuple[str, str]]] = {}
            for county in counties:
                parent = county.parent.name if county.parent else ""
                groups.setdefault(parent, []).append((county.pk, county.name))
            choices = list(groups.items())
        field.widget.choices = [("", field.empty_label), *choices]

    def clean_uscc(self) -> str:
        facts = parse_uscc(self.cleaned_data["uscc"])
        if not facts.is_valid:
            raise ValidationError(_("%(error)s（N-2.1）") % {"error": facts.error})
        taken = Institution.objects.filter(uscc=facts.code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if self.report_taken and taken.exists():
            raise ValidationError(
                _("该统一社会信用代码已注册，请联系本机构已有账户添加用户。"), code="unique"
            )
        return facts.code

    def clean_legal_rep_id_number(self) -> str:
        value = ric.compact(self.cleaned_data.get("legal_rep_id_number") or "").upper()
        if value and not ric.is_valid(value):
            raise ValidationError(
                _("法定代表人身份证号码不正确（应为 18 位，出生日期与校验位须正确）。")
            )
        return value

    def clean_contact_phone(self) -> str:
        value = (self.cleaned_data.get("contact_phone") or "").strip().replace(" ", "")
        if value and not PHONE_RE.match(value):
            raise ValidationError(_("请填写正确的电话号码（手机号或带区号的固定电话）。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        city, county = data.get("city"), data.get("county")
        if city and county and county.parent_id != city.pk:
            self.add_error(
                "county",
                _("所选区县不属于%(city)s，请重新选择。") % {"city": city.name},
            )
        elif city and not county and city.children.filter(level=Division.Level.COUNTY).exists():
            self.add_error("county", _("请选择所在区县。"))
        if data.get("category") == Category.OTHER:
            if not data.get("other_kind"):
                self.add_error("other_kind", _("机构类别为“其他机构”时，请选择其他机构类型。"))
        else:
            data["other_kind"] = ""
        if data.get("recommended_by_authority"):
            if not (data.get("recommending_authority") or "").strip():
                self.add_error(
                    "recommending_authority",
                    _("由省级行业主管部门推荐的，请填写推荐单位（N-5.3）。"),
                )
        else:
            data["recommending_authority"] = ""
        return data


class InstitutionEditForm(InstitutionForm):
    """Editing keeps the legal representative's ID number hidden: blank means unchanged.

    The USCC never changes after sign-up, and while the institution's identity is fixed (a
    filing or an open application, ``identity.identity_locked``) its name, legal form and
    registered address are refused too: they change through an identity change request."""

    report_taken = False  # the USCC cannot change here, so nothing is said about other codes

    def __init__(self, *args: Any, identity_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identity_locked = identity_locked
        self.original = identity_of(self.instance) | {"uscc": self.instance.uscc}
        fixed = ["uscc", *(IDENTITY_FIELDS if identity_locked else ())]
        for name in fixed:
            widget = self.fields[name].widget
            if isinstance(widget, forms.TextInput):
                widget.attrs["readonly"] = "readonly"
        self.fields["uscc"].help_text = USCC_FIXED_MESSAGE
        current = self.instance.legal_rep_id_number
        field = self.fields["legal_rep_id_number"]
        self.initial["legal_rep_id_number"] = ""
        if current:
            field.required = False
            field.widget.attrs["placeholder"] = mask_id_number(current)
            field.help_text = _("为保护个人信息不显示原号码；留空则保持不变。")

    def clean_legal_rep_id_number(self) -> str:
        value = super().clean_legal_rep_id_number()
        return value or self.instance.legal_rep_id_number

    def clean_uscc(self) -> str:
        code = super().clean_uscc()
        if code != self.original["uscc"]:
            raise ValidationError(uscc_refusal_text(), code="fixed")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.identity_locked:
            for name in IDENTITY_FIELDS:
                if name in data and _stored(data[name]) != self.original[name]:
                    self.add_error(name, locked_refusal_text())
        return data


class AccountFieldsMixin(forms.Form):
    """Fields of a new applicant account, with Django's password validators."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("登录时使用；字母、数字及 @/./+/-/_。"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    email = forms.EmailField(label=_("电子邮箱"))
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，且包含小写字母、大写字母、数字、符号中的三类。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Sign-up answers the same whether a username or USCC is taken (see institutions/signup.py).
    report_taken = True

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if self.report_taken and User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip().replace(" ", "")
        if value and not MOBILE_RE.match(value):
            raise ValidationError(_("请填写 11 位手机号码。"))
        return value

    def clean_account(self) -> None:
        """Password checks; call from ``clean()``."""
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        if password1:
            probe = User(
                username=self.cleaned_data.get("username", ""),
                full_name=self.cleaned_data.get("full_name", ""),
                email=self.cleaned_data.get("email", ""),
                role=Role.APPLICANT,
            )
            # The organization's name is one of the account's own words (validators.py).
            probe.organization_name = self.organization_name()  # type: ignore[attr-defined]
            try:
                password_validation.validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)

    def organization_name(self) -> str:
        return str(self.cleaned_data.get("name") or "")

    def create_user(self) -> User:
        data = self.cleaned_data
        return User.objects.create_user(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            role=Role.APPLICANT,
            full_name=data["full_name"],
            phone=data.get("phone", ""),
        )


class SignupForm(AccountFieldsMixin, InstitutionForm):
    """One form: the first applicant account and its institution. It never says that a
    username or USCC is taken (no existence oracle): ``taken()`` tells the view, which answers
    as for any valid form and lets the e-mail say it."""

    ACCOUNT_FIELDS = ["username", "full_name", "email", "phone", "password1", "password2"]
    report_taken = False

    def validate_unique(self) -> None:
        """The model's unique USCC is enforced by the database and ``taken()``, not shown."""

    def taken(self) -> bool:
        data = self.cleaned_data
        return (
            User.objects.filter(username__iexact=data["username"]).exists()
            or Institution.objects.filter(uscc=data["uscc"]).exists()
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields([*self.ACCOUNT_FIELDS, *INSTITUTION_FIELDS])
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_account()
        return data

    def account_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ACCOUNT_FIELDS]


class MemberAddForm(BootstrapFormMixin, AccountFieldsMixin):
    """Another account for the same institution. Its username is given by the system
    (``views.member_add``), never chosen here: a chosen one would tell the applicant which
    usernames other people hold (issue 21 item 6)."""

    def __init__(self, *args: Any, institution_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["username"]
        self.institution_name = institution_name
        self.fields["phone"].required = False
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_account()
        return data

    def organization_name(self) -> str:
        return self.institution_name

    def create_member(self, username: str) -> User:
        self.cleaned_data["username"] = username
        return self.create_user()


class DeclarationForm(BootstrapFormMixin, forms.Form):
    """The four N-2.4.2 items: 是/否, an explanation (required for 是), optional evidence."""

    def __init__(
        self, *args: Any, declarations: dict[str, ExclusionDeclaration], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.declarations = declarations
        for item in ExclusionItem:
            existing = declarations.get(item.value)
            self.fields[self.name_for(item, "applies")] = forms.ChoiceField(
                label=item.label,
                choices=YES_NO,
                widget=forms.RadioSelect,
                initial=None if existing is None else (YES if existing.applies else NO),
                error_messages={"required": _("请选择“是”或“否”。")},
            )
            self.fields[self.name_for(item, "explanation")] = forms.CharField(
                label=_("情况说明"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=existing.explanation if existing else "",
                help_text=_("选择“是”时必填。"),
            )
            self.fields[self.name_for(item, "evidence")] = forms.FileField(
                label=_("证明材料"),
                required=False,
                help_text=_("可选；PDF、JPG 或 PNG，不超过 20 MB。"),
            )
        self._style_widgets()

    @staticmethod
    def name_for(item: str, part: str) -> str:
        return f"{ExclusionItem(item).value}_{part}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for item in ExclusionItem:
            applies = data.get(self.name_for(item, "applies"))
            explanation = (data.get(self.name_for(item, "explanation")) or "").strip()
            if applies == YES and not explanation:
                self.add_error(
                    self.name_for(item, "explanation"),
                    _("选择“是”时须说明具体情况（N-2.4.2）。"),
                )
        return data

    def answer(self, item: str) -> tuple[bool, str]:
        applies = self.cleaned_data[self.name_for(item, "applies")] == YES
        return applies, self.cleaned_data[self.name_for(item, "explanation")].strip()

    def upload(self, item: str):
        return self.cleaned_data.get(self.name_for(item, "evidence"))

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "number": number,
                "item": item,
                "applies": self[self.name_for(item, "applies")],
                "explanation": self[self.name_for(item, "explanation")],
                "evidence": self[self.name_for(item, "evidence")],
                "declaration": self.declarations.get(item.value),
            }
            for number, item in enumerate(ExclusionItem, start=1)
        ]


def _stored(value: Any) -> str:
    """A cleaned value as ``identity_of`` writes it (divisions by code)."""
    if isinstance(value, Division):
        return str(value.pk)
    return "" if value is None else str(value)


def locked_refusal_text() -> str:
    return str(locked_refusal())


def uscc_refusal_text() -> str:
    return str(uscc_refusal())


class IdentityChangeForm(BootstrapFormMixin, forms.Form):
    """The new name, legal form and registered address, why, and the evidence (the amended
    business licence or registration certificate)."""

    name = forms.CharField(label=_("机构名称"), max_length=200)
    category = forms.ChoiceField(
        label=_("机构类别"), choices=[("", _("请选择")), *Category.choices]
    )
    other_kind = forms.ChoiceField(
        label=_("其他机构类型"),
        choices=[("", _("（不适用）")), *OtherKind.choices],
        required=False,
        help_text=_("机构类别为“其他机构”时必填。"),
    )
    city = forms.ModelChoiceField(
        label=_("所在地级市"),
        queryset=Division.objects.filter(level=Division.Level.PREFECTURE, code__startswith="44"),
        empty_label=_("请选择"),
    )
    county = forms.ModelChoiceField(
        label=_("所在区县"),
        queryset=Division.objects.filter(level=Division.Level.COUNTY),
        empty_label=_("请选择"),
        required=False,
    )
    address = forms.CharField(label=_("注册地址"), max_length=300)
    explanation = forms.CharField(
        label=_("变更说明"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明变更的原因及登记机关核准变更的日期。"),
    )
    evidence = forms.FileField(
        label=_("证明材料"),
        help_text=_(
            "变更后的营业执照（登记证书）或登记机关的核准变更通知书；"
            "PDF、JPG 或 PNG，不超过 20 MB。"
        ),
    )

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        initial = {k: v for k, v in identity_of(institution).items()}
        super().__init__(*args, initial=initial, **kwargs)
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        city, county = data.get("city"), data.get("county")
        if city and county and county.parent_id != city.pk:
            self.add_error(
                "county", _("所选区县不属于%(city)s，请重新选择。") % {"city": city.name}
            )
        if data.get("category") == Category.OTHER:
            if not data.get("other_kind"):
                self.add_error("other_kind", _("机构类别为“其他机构”时，请选择其他机构类型。"))
        else:
            data["other_kind"] = ""
        return data

    def identity(self) -> dict[str, str]:
        data = self.cleaned_data
        return {name: _stored(data.get(name)).strip() for name in IDENTITY_FIELDS}
