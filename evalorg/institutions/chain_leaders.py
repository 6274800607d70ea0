"""Chain-leader units (链主培育单位, N-4.1.4): designated by the department, with the
designation document; the institution's flag follows. The fast track that this enables is a
transition of the case (registered by the cultivation stage)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.core import audit, clock
from evalorg.core.files import UploadRefused, atomic_uploads, file_response, store_upload

from .models import ChainLeaderDesignation, Institution

DOCUMENT_KINDS = ("pdf", "jpeg", "png", "docx")
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def designate(
    institution: Institution, *, industry_chain: str, designated_on: date, document: File, user
) -> ChainLeaderDesignation:
    with atomic_uploads():
        stored = store_upload(
            document, allowed_kinds=DOCUMENT_KINDS, max_bytes=DOCUMENT_MAX_BYTES, user=user
        )
        designation = ChainLeaderDesignation.objects.create(
            institution=institution,
            industry_chain=industry_chain,
            document=stored,
            designated_on=designated_on,
            designated_by=user,
            created_at=clock.now(),
        )
        Institution.objects.filter(pk=institution.pk).update(is_chain_leader=True)
        audit.record(
            "chain_leader_designated",
            institution,
            actor=user,
            data={
                "industry_chain": industry_chain,
                "designated_on": designated_on,
                "document_sha256": stored.sha256,
            },
        )
    return designation


class DesignationForm(forms.Form):
    uscc = forms.CharField(label=_lazy("统一社会信用代码"), max_length=18)
    industry_chain = forms.CharField(
        label=_lazy("产业链"), max_length=100, help_text=_lazy("例如：新能源汽车产业链")
    )
    designated_on = forms.DateField(
        label=_lazy("认定日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    document = forms.FileField(label=_lazy("认定文件（PDF、Word 或图片）"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_uscc(self) -> Institution:
        code = self.cleaned_data["uscc"].strip().upper()
        institution = Institution.objects.filter(uscc=code).first()
        if institution is None:
            raise forms.ValidationError(
                _("系统中没有统一社会信用代码为 %(c)s 的机构。") % {"c": code}
            )
        return institution


@role_required(Role.DEPARTMENT, message=_lazy("仅省人社厅可以认定链主培育单位（N-4.1.4）。"))
def chain_leaders(request: HttpRequest) -> HttpResponse:
    form = DesignationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            designate(
                data["uscc"],
                industry_chain=data["industry_chain"],
                designated_on=data["designated_on"],
                document=data["document"],
                user=request.user,
            )
        except UploadRefused as refused:
            form.add_error("document", str(refused))
        else:
            messages.success(
                request, _("已认定%(name)s为链主培育单位。") % {"name": data["uscc"].name}
            )
            return redirect("institutions:chain_leaders")
    designations = ChainLeaderDesignation.objects.select_related("institution", "document")
    return render(
        request,
        "institutions/chain_leaders.html",
        {"form": form, "designations": designations[:200]},
        status=400 if form.errors else 200,
    )


@login_required
def chain_leader_document(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_role(request.user, Role.AGENCY_STAFF):
        raise PermissionDenied(_("无权查阅认定文件。"))
    designation = get_object_or_404(
        ChainLeaderDesignation.objects.select_related("document"), pk=pk
    )
    return file_response(designation.document)
