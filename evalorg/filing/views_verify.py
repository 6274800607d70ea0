"""The public verify page of filing letters (issue 25, N-5.2): reached from the QR code or
short URL printed on a letter, or by typing the letter's number or verify code; an uploaded
file is compared with the letter as issued, hashed and never kept."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from . import verification

CHECK_RATE = "30/h"


class FileCheckForm(forms.Form):
    document = forms.FileField(
        label=_lazy("待核验的备案函文件（PDF 或 Word）"),
        max_length=255,
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > verification.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB，不是本系统签发的备案函。"))
        return upload


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Typed number or verify code: to the letter's page, or say nothing was found."""
    query = request.GET.get("q", "").strip()
    letter = None
    if query:
        letter = verification.find(query) or verification.find_by_number(query)
        if letter is not None and letter.verify_code:
            return redirect("verify:letter", code=letter.verify_code)
    context = {"query": query, "not_found": bool(query)}
    return render(request, "filing/verify_search.html", context, status=404 if query else 200)


@require_GET
def short(request: HttpRequest, code: str) -> HttpResponse:
    return redirect("verify:letter", code=verification.normalised(code))


@ratelimit(key="ip", rate=CHECK_RATE, method="POST", block=False)
def letter(request: HttpRequest, code: str) -> HttpResponse:
    found = verification.find(code)
    if found is None:
        context = {"query": code, "not_found": True}
        return render(request, "filing/verify_search.html", context, status=404)
    form = FileCheckForm(request.POST or None, request.FILES or None)
    context = {"record": verification.record(found), "form": form, "result": None}
    if request.method == "POST":
        if getattr(request, "limited", False):
            context["refusal"] = _("核验过于频繁，请一小时后再试。")
            return render(request, "filing/verify.html", context, status=429)
        if form.is_valid():
            context["result"] = verification.check_file(found, form.cleaned_data["document"])
    return render(request, "filing/verify.html", context)
