"""Expansion applications arrive by e-mail (N-4.1.1): staff register them on the
organization's behalf, with the e-mail attached; the organization's users complete the draft."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.core import audit
from evalorg.core.files import UploadRefused, atomic_uploads, store_upload
from evalorg.institutions.models import Institution
from evalorg.notify.services import notify_users
from evalorg.rounds.models import Round

from .models import Application, ApplicationOccupation, Kind, Route
from .routing import needs_route_choice, receiving_agency
from .submission import applicant_users

EMAIL_KINDS = ["pdf", "jpeg", "png", "docx"]
EMAIL_MAX_BYTES = 20 * 1024 * 1024


class ExpansionRegistrationForm(forms.Form):
    uscc = forms.CharField(label=_lazy("机构统一社会信用代码"), max_length=18)
    round = forms.ModelChoiceField(label=_lazy("批次"), queryset=Round.objects.all())
    email_file = forms.FileField(
        label=_lazy("收到的申请邮件（导出为 PDF 或截图）"),
        error_messages={"required": _lazy("请上传收到的申请邮件（N-4.1.1）。")},
    )

    def __init__(self, *args, agency=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency

    def clean_round(self) -> Round:
        round_: Round = self.cleaned_data["round"]
        if not round_.is_accepting_applications():  # issue 21 item 8: no drafts in closed rounds
            raise forms.ValidationError(
                _("“%(round)s”不在申请期内，不能登记新增职业申请（N-4.1.1）。")
                % {"round": round_.name}
            )
        return round_

    def clean_uscc(self) -> Institution:
        code = self.cleaned_data["uscc"].strip().upper()
        institution = Institution.objects.filter(uscc=code).first()
        # One message for "unknown" and "not received by you": the form must not tell staff of
        # another city which codes are registered.
        if institution is None or not receives(self.agency, institution):
            raise forms.ValidationError(
                _("本机构受理范围内没有统一社会信用代码为 %(code)s 的机构（属地原则，N-4.1.2）。")
                % {"code": code}
            )
        if not is_filed(institution):
            raise forms.ValidationError(
                _(
                    "该机构尚未备案为社会培训评价组织，不能申请新增职业（工种）；"
                    "须已备案、至少一个职业题库已审核备案并正常开展认定（N-2.2）。"
                )
            )
        return institution


def receives(agency, institution: Institution) -> bool:
    """Whether ``agency`` receives this institution's applications under 属地原则."""
    if agency is None:
        return False
    routes = [Route.CITY, Route.PROVINCE] if needs_route_choice(institution) else [""]
    return any(receiving_agency(institution, route) == agency for route in routes)


def is_filed(institution: Institution) -> bool:
    """A filed organization: at least one occupation line filed (N-2.2)."""
    return ApplicationOccupation.objects.filter(
        application__institution=institution, status=ApplicationOccupation.Status.FILED
    ).exists()


@role_required(Role.REVIEWING_STAFF)
def register_expansion(request: HttpRequest) -> HttpResponse:
    form = ExpansionRegistrationForm(
        request.POST or None, request.FILES or None, agency=request.user.agency
    )
    if request.method == "POST" and form.is_valid():
        institution = form.cleaned_data["uscc"]
        try:
            with atomic_uploads():
                stored = store_upload(
                    form.cleaned_data["email_file"],
                    allowed_kinds=EMAIL_KINDS,
                    max_bytes=EMAIL_MAX_BYTES,
                    user=request.user,
                )
                application = Application.objects.create(
                    round=form.cleaned_data["round"],
                    institution=institution,
                    kind=Kind.EXPANSION,
                    registered_by_staff=True,
                    email_attachment=stored,
                    created_by=request.user,
                )
                audit.record(
                    "expansion_registered",
                    application,
                    actor=request.user,
                    data={"email_sha256": stored.sha256},
                    audience=audit.Audience.APPLICANT,
                )
                notify_users(
                    applicant_users(application),
                    _("已为贵机构登记新增职业申请，请补充完整后提交"),
                    url=reverse("applications:detail", args=[application.pk]),
                )
        except UploadRefused as refused:
            form.add_error("email_file", refused.message)
        except IntegrityError:
            form.add_error(
                "uscc", _("该机构在此批次已有一份新增职业申请在办理中，不能重复登记（N-4.1.1）。")
            )
        else:
            # The draft is the organization's until it submits it (staff never see drafts), so
            # staff stay on this page, told what was registered and what happens next.
            messages.success(
                request,
                _("已为“%(name)s”登记新增职业申请：机构账户已收到通知，可继续填写并提交。")
                % {"name": institution.name},
            )
            return redirect("applications:register_expansion")
    return render(
        request,
        "applications/register_expansion.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
