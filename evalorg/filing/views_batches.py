"""Acceptance batches' staff pages (N-4.3): the center proposes batches, issues their letters
and publishes them; the department records the leadership's approval. Everyone else is
refused (403), anonymous users are sent to log in."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications.workflow import Refusal, TransitionRefused, available_actions, check
from evalorg.core import audit
from evalorg.core.actions import run, run_transition, show_refusals
from evalorg.core.files import file_response
from evalorg.core.workflow import workflow_of
from evalorg.review.services import pick_round
from evalorg.rounds.models import Round
from evalorg.selection.forms import LeadershipApprovalForm, run_decision, ticks_from
from evalorg.selection.models import LeadershipApproval

from . import batches

# The refusal of the role check, said once for the decorator and the helper.
BATCH_STAFF_ONLY = _lazy("仅省职业技能服务指导中心和省人社厅可以办理验收批次。")


def _staff(request: HttpRequest, roles: frozenset[str] = Role.PROVINCIAL) -> None:
    if not has_role(request.user, roles):
        raise PermissionDenied(BATCH_STAFF_ONLY)


class BatchForm(forms.Form):
    title = forms.CharField(
        label=_lazy("验收批次名称"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


@role_required(Role.PROVINCIAL, message=BATCH_STAFF_ONLY)
def batch_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    rounds = list(Round.objects.order_by("-published_on", "-pk"))
    round_ = pick_round(rounds, request.GET.get("round") or request.POST.get("round"))
    form = BatchForm(request.POST or None)

    def page(status: int = 200) -> HttpResponse:
        return _batch_list_page(request, rounds, round_, form, status)

    if request.method == "POST":
        _staff(request, (Role.PROVINCE_STAFF,))
        if round_ and form.is_valid():
            return _create_batch(request, round_, form.cleaned_data["title"], page)
    return page(400 if request.method == "POST" else 200)


def _create_batch(
    request: HttpRequest, round_: Round, title: str, page: Callable[[int], HttpResponse]
) -> HttpResponse:
    ids = {int(i) for i in request.POST.getlist("case") if i.isdigit()}

    def act() -> LeadershipApproval:
        chosen = list(batches.candidates(round_).filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise TransitionRefused(
                [batches.Refusal(batches.CLAUSE, _("所选申请不能列入验收批次。"))]
            )
        return batches.create_batch(round_, title, chosen, request.user)

    def refused(refusals: list[Refusal]) -> HttpResponse:
        show_refusals(request, refusals)
        return page(400)

    return run(
        request,
        act,
        back=request.get_full_path(),
        success=lambda batch: _("已创建验收批次“%(t)s”。") % {"t": batch.title},
        done_url=lambda batch: reverse("filing:batch", args=[batch.pk]),
        refused=refused,
    )


def _batch_list_page(
    request: HttpRequest, rounds: list[Round], round_: Round | None, form: BatchForm, status: int
) -> HttpResponse:
    listed = (
        batches.acceptance_batches()
        .select_related("round")
        .annotate(
            n_entries=Count("entries"),
            n_approved=Count("entries", filter=Q(entries__approved=True)),
        )
    )
    return render(
        request,
        "filing/batches.html",
        {
            "rounds": rounds,
            "round": round_,
            "candidates": batches.candidates(round_) if round_ else [],
            "batches": listed,
            "form": form,
            "may_create": has_role(request.user, Role.PROVINCE_STAFF),
        },
        status=status,
    )


def _batch(pk: int) -> LeadershipApproval:
    return get_object_or_404(
        batches.acceptance_batches().select_related("round", "minutes", "recorded_by"), pk=pk
    )


@login_required
def batch_detail(
    request: HttpRequest, pk: int, form: LeadershipApprovalForm | None = None
) -> HttpResponse:
    _staff(request)
    batch = _batch(pk)
    entries = batch.entries.select_related("application__institution__city", "filing_letter")
    offered = _offered(batch, request.user)
    entries = entries.order_by("pk")
    issuer = has_role(request.user, Role.PROVINCE_STAFF) and batch.status == batch.Status.APPROVED
    progress = batches.progress(batch) if batch.status != batch.Status.PROPOSED else None
    working = progress is not None and progress.working
    return render(
        request,
        "filing/batch.html",
        {
            "batch": batch,
            "entries": entries,
            "cases": [e.application for e in entries],
            "form": form or LeadershipApprovalForm(),
            "may_approve": "approve" in offered,
            "may_publish": "publish" in offered,
            "publish_question": workflow_of(batch).table["publish"].confirm,
            "may_issue": issuer and batches.letters_missing(batch).exists() and not working,
            "progress": progress,
            # Documents whose rendering failed or waits: the same button queues them again.
            "may_render": issuer and batches.documents_pending(batch).exists(),
        },
        status=400 if form is not None else 200,
    )


# Actions whose guards read what the form submits (minutes, ticks): offered by the engine's
# role and state checks, their guards run on submission.
FORM_ACTIONS = frozenset({"approve"})


def _offered(batch: LeadershipApproval, user) -> set[str]:
    """The batch's actions the engine offers this user now; those without a form are offered
    only when the engine would also let them through (no publish button before the letters)."""
    return {
        t.action
        for t in available_actions(batch, user)
        if t.action in FORM_ACTIONS or not check(batch, t.action, user)
    }


@login_required
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request, frozenset({Role.DEPARTMENT}))
    batch = _batch(pk)
    form = LeadershipApprovalForm(request.POST, request.FILES)
    if not form.is_valid():
        return batch_detail(request, pk, form)
    ticks = ticks_from(request, [e.application_id for e in batch.entries.order_by("pk")])
    done = run_decision(
        request,
        form,
        lambda: batch,
        ticks,
        back=reverse("filing:batch", args=[pk]),
        success=lambda _approval, moved: (
            _("已记录审定结果，验收通过 %(n)s 份。") % {"n": len(moved.done)}
        ),
    )
    return batch_detail(request, pk, form) if done is None else done


@login_required
@require_POST
def batch_issue(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request, (Role.PROVINCE_STAFF,))
    batch = _batch(pk)

    def issue() -> None:
        limit = settings.EVALORG_LETTERS_IN_REQUEST
        issued = batches.issue_letters(batch, request.user, limit=limit)
        if issued.queued:
            messages.success(
                request,
                _("共 %(n)s 份备案函，已交由后台逐份签发并生成文件；刷新本页可查看进度（N-4.3）。")
                % {"n": issued.queued},
            )
            return
        messages.success(
            request,
            _("已签发备案函 %(n)s 份；备案函文件由后台生成，通常在几分钟内完成。")
            % {"n": len(issued)},
        )

    return run(request, issue, back=reverse("filing:batch", args=[pk]))


@login_required
@require_POST
def batch_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request, (Role.PROVINCE_STAFF,))
    return run_transition(
        request,
        _batch(pk),
        "publish",
        back=reverse("filing:batch", args=[pk]),
        success=_("验收批次已公布。"),
    )


@login_required
def batch_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    batch = _batch(pk)
    if batch.minutes is None:
        raise PermissionDenied
    audit.record("acceptance_minutes_viewed", batch, actor=request.user)
    return file_response(batch.minutes)
