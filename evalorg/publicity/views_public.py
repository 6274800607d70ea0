"""Public pages (no login): notices, their PDF, and the objection form (N-4.1.3)."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from evalorg.accounts import ratelimits
from evalorg.core import clock
from evalorg.core.files import UploadRefused, file_response
from evalorg.core.workflow import TransitionRefused
from evalorg.documents import built
from evalorg.rounds.simulated import not_simulated

from .documents import NOTICE_PDF
from .forms import ObjectionForm
from .models import PUBLIC_NOTICE_STATES, PublicityNotice
from .services import file_objection, objection_window_refusal

# Per client address, counted in the default cache (Redis where REDIS_URL is set, so every
# process shares the counters): 5 accepted objections an hour, and 30 attempts of any outcome
# against captcha guessing. A refused attempt (a captcha typo) costs only an attempt (issue 22).
OBJECTIONS_ACCEPTED = (ratelimits.Limit("objection-accepted-ip", "5/h", ratelimits.ip_key),)
OBJECTION_ATTEMPTS = (ratelimits.Limit("objection-attempt-ip", "30/h", ratelimits.ip_key),)
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
    notices = sorted(
        _published()
        .select_related("round")
        .annotate(entry_count=Count("entries"))
        .order_by("-starts_on", "-pk"),  # Meta.ordering is not applied to a GROUP BY query
        key=lambda notice: not notice.is_running(),
    )  # stable: the running notice first, then the others newest first (issue 22)
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


def objection_new(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(_published(), pk=pk)
    closed = objection_window_refusal(notice)
    context = {"notice": notice, "refusal": closed, "closed": closed is not None}
    form = ObjectionForm(request.POST or None, request.FILES or None, notice=notice)
    context["form"] = form
    if request.method == "POST" and _over_limit(request):
        # The typed content comes back with the message; only an attached file must be chosen
        # again (browsers never refill file inputs).
        context["limited"] = _(
            "提交过于频繁：同一网络地址一小时内最多受理 5 件异议。"
            "您填写的内容已保留，请一小时后再提交。"
        )
        return render(request, "publicity/objection_form.html", context, status=429)
    if request.method == "POST":
        ratelimits.count(request, OBJECTION_ATTEMPTS)
    if request.method == "POST" and context["refusal"] is None and form.is_valid():
        try:
            objection = _file(notice, form.cleaned_data)
        except TransitionRefused as refused:
            context["refusal"] = "；".join(r.shown for r in refused.refusals)
        except UploadRefused as refused:
            form.add_error("evidence", refused.message)
        else:
            ratelimits.count(request, OBJECTIONS_ACCEPTED)
            request.session[ACK_SESSION_KEY] = {"notice": notice.pk, "number": objection.number}
            return redirect("public:objection_done", notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "publicity/objection_form.html", context, status=status)


def _over_limit(request: HttpRequest) -> bool:
    return ratelimits.exceeded(request, OBJECTIONS_ACCEPTED) or ratelimits.exceeded(
        request, OBJECTION_ATTEMPTS
    )


def _file(notice: PublicityNotice, data: dict):
    return file_objection(
        notice,
        data["entry"],
        name=data["objector_name"],
        phone=data["objector_phone"],
        email=data["objector_email"],
        grounds=data["grounds"],
        evidence=data["evidence"],
    )


def objection_done(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(_published(), pk=pk)
    ack = request.session.get(ACK_SESSION_KEY) or {}
    if ack.get("notice") != notice.pk:
        return redirect("public:notice", notice.pk)
    return render(
        request, "publicity/objection_done.html", {"notice": notice, "number": ack["number"]}
    )
