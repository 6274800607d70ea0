"""The provincial center's publicity pages: create, preview, publish, end; handle objections."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import role_required
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import available_actions, check
from evalorg.core import audit, clock
from evalorg.core.actions import run, run_transition
from evalorg.core.clock import CalendarYearMissing
from evalorg.core.files import file_response
from evalorg.rounds.models import Round

from .forms import STATUS_FILTER, NoticeForm, ResolveForm
from .models import OPEN_OBJECTION_STATES, NoticeEntry, Objection, PublicityNotice
from .services import approved_cases, create_notice, end_notice, publish_notice
from .transitions import NOTICES, OBJECTIONS

DEFAULT_OBJECTIONS_TO = "广东省职业技能服务指导中心"


# Every page here is the center's (N-4.1.3).
province_only = role_required(
    Role.PROVINCE_STAFF, message=_lazy("仅省职业技能服务指导中心可以办理公示和异议。")
)


def _count_per_notice(rows: QuerySet) -> Coalesce:
    counted = rows.filter(notice=OuterRef("pk")).order_by().values("notice")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def notices_with_counts() -> QuerySet[PublicityNotice]:
    """Each notice with its entries and open objections counted in their own subqueries (two
    counts over one join would multiply entries by objections: 1.3 s for two notices of 1,000
    cases, issue 24)."""
    open_objections = Objection.objects.filter(status__in=OPEN_OBJECTION_STATES)
    return PublicityNotice.objects.select_related("round").annotate(
        entry_count=_count_per_notice(NoticeEntry.objects.all()),
        open_count=_count_per_notice(open_objections),
    )


@province_only
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = notices_with_counts().exclude(status=PublicityNotice.Status.DISCARDED)
    rounds = (
        Application.objects.for_user(request.user)
        .filter(state=State.LEADERSHIP_APPROVED)
        .values("round_id", "round__name")
        .annotate(n=Count("pk"))
        .order_by("round__name")
    )
    return render(request, "publicity/staff_list.html", {"notices": notices, "rounds": rounds})


def _calendar_message(error: CalendarYearMissing) -> str:
    url = reverse("admin:core_workcalendar_changelist")
    return format_html('{}（N-4.1.3）<a href="{}">{}</a>', str(error), url, _("前往工作日历"))


def next_working_day() -> date:
    """The default start of a notice: the next working day (a notice is prepared the day
    before it is published); tomorrow when the calendar lacks the year (the form says so)."""
    today = clock.today()
    try:
        return clock.add_working_days(today, 1)
    except CalendarYearMissing:
        return today + timedelta(days=1)


@province_only
def notice_new(request: HttpRequest) -> HttpResponse:
    round_id = request.GET.get("round", "")
    round_ = get_object_or_404(Round, pk=int(round_id) if round_id.isdigit() else 0)
    cases = approved_cases(round_, request.user)
    initial = {
        "cases": [c.pk for c in cases],
        "title": _("%(round)s培育辅导对象名单公示") % {"round": round_.name},
        "starts_on": next_working_day(),
        "objections_to": DEFAULT_OBJECTIONS_TO,
        "template": round_.publicity_template,
    }
    form = NoticeForm(request.POST or None, cases=cases, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = create_notice(
                round_=round_,
                cases=form.chosen(),
                title=data["title"],
                starts_on=data["starts_on"],
                objections_to=data["objections_to"],
                template=data["template"],
                user=request.user,
            )
        except CalendarYearMissing as error:
            messages.error(request, _calendar_message(error))
        else:
            return redirect("publicity:notice", notice.pk)
    context = {"form": form, "round": round_, "cases": cases}
    return render(request, "publicity/staff_new.html", context)


@province_only
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(PublicityNotice.objects.select_related("round"), pk=pk)
    entries = notice.entries.select_related("application").annotate(
        objection_count=Count("objections"),
        open_count=Count("objections", filter=Q(objections__status__in=OPEN_OBJECTION_STATES)),
    )
    in_publicity = sum(1 for e in entries if e.application.state == State.IN_PUBLICITY)
    context = {
        "notice": notice,
        "entries": entries,
        "in_publicity": in_publicity,
        # The notice's actions (publish, end); once it has ended, cases whose objection was
        # open at the end may still be moved from here (as the next sweep would).
        "actions": available_actions(notice, request.user),
        "end_remaining": NOTICES.table["end"],
    }
    return render(request, "publicity/staff_detail.html", context)


@province_only
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "publish")


@province_only
@require_POST
def notice_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft left by a preview nobody will publish (issue 22): discarded through the engine."""
    notice = get_object_or_404(PublicityNotice, pk=pk)
    return run_transition(
        request,
        notice,
        "discard",
        back=reverse("publicity:notice", args=[notice.pk]),
        success=_("公示草稿已删除。"),
        done_url=reverse("publicity:list"),
    )


@province_only
@require_POST
def notice_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "end")


def _notice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The notice's transition ``action``, asked first (issue #10); ``end`` also moves the
    cases still in publicity (``end_notice``), and may be repeated for them once ended."""
    notice = get_object_or_404(PublicityNotice, pk=pk)
    back = reverse("publicity:notice", args=[notice.pk])

    def act() -> str:
        """What was done, told to the user."""
        if action == "publish":
            publish_notice(notice, request.user)
            return _("公示已发布，相关机构已收到通知。")
        report = end_notice(notice, request.user)
        return _("公示办结：%(s)s。") % {"s": report.summary()}

    # ``end`` is repeated for the cases left once the notice has ended: no check of its own then.
    checked = action == "publish" or notice.status != PublicityNotice.Status.ENDED
    return run(
        request,
        act,
        back=back,
        question=str(NOTICES.table[action].confirm),
        precheck=(lambda: check(notice, action, request.user)) if checked else None,
        success=lambda told: told,
    )


@province_only
def objection_list(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(PublicityNotice, pk=pk)
    status = request.GET.get("status", "")
    objections = notice.objections.select_related("entry")
    if status in Objection.Status.values:
        objections = objections.filter(status=status)
    context = {
        "notice": notice,
        "objections": objections,
        "status": status,
        "statuses": STATUS_FILTER,
    }
    return render(request, "publicity/staff_objections.html", context)


def _objection(pk: int) -> Objection:
    qs = Objection.objects.select_related("notice", "entry__application", "evidence")
    return get_object_or_404(qs, pk=pk)


@province_only
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _objection(pk)
    audit.record("objection_viewed", objection, actor=request.user)  # personal data read
    context = {
        "objection": objection,
        "actions": available_actions(objection, request.user),
        "form": ResolveForm(),
        "history": audit_history(objection),
    }
    return render(request, "publicity/staff_objection.html", context)


def audit_history(objection: Objection):
    from evalorg.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=objection._meta.label_lower, object_id=str(objection.pk)
    ).exclude(action="objection_viewed")


@province_only
@require_POST
def objection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    objection = _objection(pk)
    if action not in OBJECTIONS.table:
        raise PermissionDenied
    form = ResolveForm(request.POST)
    reason = form.data.get("reason", "").strip()
    return run_transition(
        request,
        objection,
        action,
        back=reverse("publicity:objection", args=[objection.pk]),
        data={"reason": reason},
    )


@province_only
def objection_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _objection(pk)
    if objection.evidence is None:
        raise PermissionDenied
    audit.record("objection_evidence_viewed", objection, actor=request.user)
    return file_response(objection.evidence)
