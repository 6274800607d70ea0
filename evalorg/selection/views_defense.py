"""Pages of the defense sessions (现场答辩, N-4.1.3): the center's schedule and the applicant's
answer. Staff pages are for the provincial center only; the applicant answers only for its own
institution's slot (anyone else: 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications import access
from evalorg.core import clock
from evalorg.core.actions import run, run_transition
from evalorg.core.workflow import available_actions
from evalorg.review.models import Stage
from evalorg.review.services import pick_round
from evalorg.rounds.models import Round

from . import defense
from .forms import SessionForm
from .models import DefenseSession, DefenseSlot

# The refusal of the role check, said once for the decorator and the helper.
CENTER_ONLY = _lazy("仅省职业技能服务指导中心可以安排现场答辩。")


def _center(request: HttpRequest) -> None:
    if not has_role(request.user, Role.PROVINCE_STAFF):
        raise PermissionDenied(CENTER_ONLY)


def _session(request: HttpRequest, pk: int) -> DefenseSession:
    _center(request)
    sessions = DefenseSession.objects.select_related("round", "panel")
    return get_object_or_404(sessions, pk=pk, panel__agency_id=request.user.agency_id)


def _slot(request: HttpRequest, pk: int, slot_pk: int) -> DefenseSlot:
    session = _session(request, pk)
    slots = DefenseSlot.objects.select_related("application__institution")
    slot = get_object_or_404(slots, pk=slot_pk, session=session)
    slot.session = session
    return slot


def _rounds() -> list[Round]:
    sent = Round.objects.filter(applications__review_stages__stage=Stage.PROVINCE_SELECTION)
    return list(sent.distinct().order_by("-published_on", "-pk"))


def _back(session: DefenseSession) -> HttpResponse:
    return redirect("defense:detail", session.pk)


def _detail_url(session: DefenseSession) -> str:
    return reverse("defense:detail", args=[session.pk])


@role_required(Role.PROVINCE_STAFF, message=CENTER_ONLY)
def session_list(request: HttpRequest) -> HttpResponse:
    _center(request)
    rounds = _rounds()
    round_ = pick_round(rounds, request.GET.get("round"))
    rows = []
    if round_:
        for session in defense.sessions_of(round_).order_by("date", "start_time", "pk"):
            rows.append((session, defense.session_bounds(session, session.n_slots)[1].time()))
    return render(
        request,
        "selection/defense/list.html",
        {"rounds": rounds, "round": round_, "rows": rows, "form": SessionForm()},
    )


@login_required
@require_POST
def session_create(request: HttpRequest) -> HttpResponse:
    _center(request)
    round_ = pick_round(_rounds(), request.POST.get("round") or "-")
    form = SessionForm(request.POST)
    back = f"{reverse('defense:list')}?round={round_.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(back)
    return run(
        request,
        lambda: defense.create_session(
            round_,
            request.user,
            day=form.cleaned_data["date"],
            start_time=form.cleaned_data["start_time"],
            place=form.cleaned_data["place"],
        ),
        back=back,
        success=_("已创建答辩场次。"),
        done_url=_detail_url,
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    rows = defense.session_rows(session)
    for row in rows:  # the buttons: the slot's workflow actions for this user now
        actions = available_actions(row.slot, request.user)
        row.slot.movable = any(a.action == "move_defense" for a in actions)
        row.slot.refusable = any(a.action == "refuse_reschedule" for a in actions)
        row.slot.actions = [a for a in actions if a.action in defense.ATTENDANCE_ACTIONS.values()]
    others = DefenseSession.objects.filter(round=session.round_id).exclude(pk=session.pk)
    return render(
        request,
        "selection/defense/detail.html",
        {
            "session": session,
            "rows": rows,
            "end": defense.session_bounds(session, len(rows))[1].time(),
            "candidates": list(defense.candidates(session.round)),
            "others": list(others),
            "today": clock.today(),
        },
    )


@login_required
@require_POST
def add_slots(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    try:
        ids = [int(v) for v in request.POST.getlist("applications")]
    except ValueError:
        messages.error(request, _("请选择要加入的申请。"))
        return _back(session)
    return run(
        request,
        lambda: defense.add_cases(session, ids, request.user),
        back=_detail_url(session),
        success=lambda added: _("已加入 %(n)d 家机构并通知申请机构。") % {"n": len(added)},
    )


@login_required
@require_POST
def move_slot(request: HttpRequest, pk: int, slot_pk: int, direction: str) -> HttpResponse:
    slot = _slot(request, pk, slot_pk)
    if direction not in ("up", "down"):
        raise Http404
    return run(
        request,
        lambda: defense.move(slot, direction, request.user),
        back=_detail_url(slot.session),
    )


@login_required
@require_POST
def renumber(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    positions = {}
    try:
        for key, value in request.POST.items():
            if key.startswith("pos-"):
                positions[int(key.removeprefix("pos-"))] = int(value)
    except ValueError:
        messages.error(request, _("顺序须填写整数。"))
        return _back(session)
    return run(
        request,
        lambda: defense.renumber(session, positions, request.user),
        back=_detail_url(session),
        success=_("已按新顺序重新编排。"),
    )


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot = _slot(request, pk, slot_pk)
    return run(
        request,
        lambda: defense.mark_attendance(slot, request.POST.get("attendance", ""), request.user),
        back=_detail_url(slot.session),
    )


@login_required
@require_POST
def refuse_reschedule(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    """The center keeps the time an applicant asked to change, with a reason it is told."""
    slot = _slot(request, pk, slot_pk)
    return run_transition(
        request,
        slot,
        "refuse_reschedule",
        back=_detail_url(slot.session),
        success=_("已答复：不同意调整，并通知申请机构。"),
        data={"reason": request.POST.get("reason", "").strip()},
    )


@login_required
@require_POST
def transfer(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    slot = _slot(request, pk, slot_pk)
    target = DefenseSession.objects.filter(
        pk=request.POST.get("target") or 0, round=slot.session.round_id
    ).first()
    if target is None:
        messages.error(request, _("请选择本批次的另一个答辩场次。"))
        return _back(slot.session)
    return run(
        request,
        lambda: defense.transfer(slot, target, request.user),
        back=_detail_url(slot.session),
        success=_("已调整到 %(s)s 并通知申请机构。") % {"s": target},
        done_url=_detail_url(target),
    )


@login_required
def signin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    response = HttpResponse(defense.signin_pdf_bytes(session), content_type="application/pdf")
    name = _("现场答辩签到表_%(date)s.pdf") % {"date": f"{session.date:%Y%m%d}"}
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_POST
def respond(request: HttpRequest, slot_pk: int) -> HttpResponse:
    """The applicant confirms its slot or asks for another time (anyone else: 404)."""
    slots = DefenseSlot.objects.select_related("session", "application__institution")
    slot = get_object_or_404(slots, pk=slot_pk)
    if not access.is_own(slot.application, request.user):
        raise Http404
    confirm = request.POST.get("answer") == "confirm"
    return run(
        request,
        lambda: defense.respond(
            slot, request.user, confirm=confirm, reason=request.POST.get("reason", "")
        ),
        back=reverse("applications:detail", args=[slot.application_id]),
        success=_("已确认答辩安排。") if confirm else _("已提交调整申请，请等待省中心安排。"),
    )
