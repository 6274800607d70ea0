"""Public pages (no login): notices, their PDF, and the objection form (N-4.1.3)."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from evalorg.core import clock
from evalorg.core.files import UploadRefused, file_response
from evalorg.core.workflow import TransitionRefused
from evalorg.documents import built
from evalorg.rounds.simulated import not_simulated

from .documents import NOTICE_PDF
from .forms import ObjectionForm
from .models import PUBLIC_NOTICE_STATES, PublicityNotice
from .services import file_objection, objection_window_refusal

OBJECTION_RATE = "5/h"
ACK_SESSION_KEY = "publicity_objection_ack"


def _published():
    return PublicityNotice.objects.filter(status__in=PUBLIC_NOTICE_STATES).filter(
        not_simulated("round__")
    )


def _notice_context(notice: PublicityNotice) -> dict:
    return {
        "notice": notice,
        "entries": list(notice.entries.all()),
        "deadline": clock.deadline_end(notice.ends_on),
        "generated_at": clock.now(),
    }


def notice_list(request: HttpRequest) -> HttpResponse:
    notices = _published().select_related("round").annotate(entry_count=Count("entries"))
    return render(request, "publicity/public_list.html", {"notices": notices})


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(_published(), pk=pk)
    return render(request, "publicity/public_detail.html", _notice_context(notice))


def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice's PDF as built by the worker; never laid out in this request (issue 24)."""
    notice = get_object_or_404(_published(), pk=pk)
    document = built.get_or_queue(NOTICE_PDF, notice.pk)
    if document.built is None:
        back = reverse("public:notice", args=[notice.pk])
        context = {"title": notice.title, "back": back}
        response = render(request, "documents/being_built.html", context, status=202)
        response["Retry-After"] = "30"
        return response
    return file_response(document.built.file, inline=True)


@ratelimit(key="ip", rate=OBJECTION_RATE, method="POST", block=False)
def objection_new(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(_published(), pk=pk)
    context = {"notice": notice, "refusal": objection_window_refusal(notice)}
    if getattr(request, "limited", False):
        context["refusal"] = _("提交过于频繁，请一小时后再试。")
        return render(request, "publicity/objection_form.html", context, status=429)
    form = ObjectionForm(request.POST or None, request.FILES or None, notice=notice)
    if request.method == "POST" and context["refusal"] is None and form.is_valid():
        data = form.cleaned_data
        try:
            objection = file_objection(
                notice,
                data["entry"],
                name=data["objector_name"],
                phone=data["objector_phone"],
                email=data["objector_email"],
                grounds=data["grounds"],
                evidence=data["evidence"],
            )
        except TransitionRefused as refused:
            context["refusal"] = "；".join(str(r) for r in refused.refusals)
        except UploadRefused as refused:
            form.add_error("evidence", refused.message)
        else:
            request.session[ACK_SESSION_KEY] = {"notice": notice.pk, "number": objection.number}
            return redirect("public:objection_done", notice.pk)
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "publicity/objection_form.html", context, status=status)


def objection_done(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(_published(), pk=pk)
    ack = request.session.get(ACK_SESSION_KEY) or {}
    if ack.get("notice") != notice.pk:
        return redirect("public:notice", notice.pk)
    return render(
        request, "publicity/objection_done.html", {"notice": notice, "number": ack["number"]}
    )
