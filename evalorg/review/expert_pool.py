"""The city-managed expert pool (issue #10): a city agency's staff add experts (name, employer
with its USCC, fields, contact), so a conflict of interest can no longer leave a case below the
minimum panel size for want of experts. Each new expert gets an account with no password and
an invitation e-mail with a link to set one (Django's password-reset token, valid
``PASSWORD_RESET_TIMEOUT``). Only the agency's own staff see and grow its pool."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Agency, Role, User
from evalorg.accounts.permissions import has_role
from evalorg.core import audit
from evalorg.institutions.uscc import parse_uscc
from evalorg.notify.services import queue_email

from .models import ExpertProfile
from .panels import expert_row, major_group_names


def _agency(request: HttpRequest) -> Agency:
    if not has_role(request.user, Role.REVIEWING_STAFF) or request.user.agency_id is None:
        raise PermissionDenied(
            _("仅地市评价指导机构和省职业技能服务指导中心可以管理本机构专家库。")
        )
    return request.user.agency


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


def add_expert(agency: Agency, data: dict, actor: User, request: HttpRequest) -> User:
    """Create the expert's account (no password yet) and profile; send the invitation."""
    with transaction.atomic():
        user = User(
            username=data["email"],
            email=data["email"],
            full_name=data["full_name"],
            phone=data["phone"],
            role=Role.EXPERT,
        )
        user.set_unusable_password()
        user.save()
        ExpertProfile.objects.create(
            user=user,
            employer_name=data["employer_name"],
            employer_uscc=data["employer_uscc"],
            city=agency.division if agency.kind == Agency.Kind.CITY else None,
            specialties=sorted(data["specialties"]),
            title=data.get("title", ""),
            pool_agency=agency,
            added_by=actor,
        )
        audit.record(
            "expert_added_to_pool",
            user,
            actor=actor,
            data={"agency": agency.pk, "employer_uscc": data["employer_uscc"]},
        )
        link = request.build_absolute_uri(
            reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
        )
        queue_email(
            [user.email],
            _("广东省社会培训评价组织遴选备案系统：专家账号开通"),
            _(
                "%(name)s：\n%(agency)s已将您加入专家库。您的登录账号是 %(username)s。"
                "请打开以下链接设置登录密码：\n%(link)s"
            )
            % {
                "name": user.full_name,
                "agency": agency.name,
                "username": user.username,
                "link": link,
            },
        )
    return user


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """The agency's own pool and the form to add an expert to it."""
    agency = _agency(request)
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = add_expert(agency, form.cleaned_data, request.user, request)
        messages.success(
            request,
            _("已将%(name)s加入本机构专家库，账号开通邮件已发送至 %(email)s。")
            % {"name": user.full_name, "email": user.email},
        )
        return redirect("panels:experts")
    names = major_group_names()
    experts = (
        User.objects.filter(expert_profile__pool_agency=agency)
        .select_related("expert_profile__city")
        .order_by("full_name", "pk")
    )
    return render(
        request,
        "review/panels/experts.html",
        {"agency": agency, "form": form, "rows": [expert_row(u, names) for u in experts]},
        status=400 if request.method == "POST" else 200,
    )
