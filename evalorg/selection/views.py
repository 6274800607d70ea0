"""Pages of the provincial selection (N-4.1.3): the province-wide merit ranking with select /
reject, and the department's record of the leadership group's approval."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Agency, Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications import access, workflow
from evalorg.applications.models import Application, State
from evalorg.core import audit
from evalorg.core.actions import run_transition
from evalorg.core.files import file_response
from evalorg.review.models import ReviewStage, Stage
from evalorg.review.ranking import methods_count, positions, ranking_page
from evalorg.review.ranking import ranking as ranking_of
from evalorg.review.ranking_export import EXPORT_FORMATS, export_response
from evalorg.review.scoring import method_labels
from evalorg.review.services import pick_round, selection_rounds
from evalorg.rounds.models import Round
from evalorg.rounds.portal import current_round

from .forms import LeadershipApprovalForm, SelectionForm, run_decision, ticks_from
from .leadership import propose
from .models import LeadershipApproval
from .province import city_overview

# The refusal of the role check, said once for the decorator and the helper.
DEPARTMENT_ONLY = _lazy("仅省人社厅可以记录遴选工作领导小组的审定结果。")
CENTER_ONLY = _lazy("仅省职业技能服务指导中心可以进行省级评审。")
OVERVIEW_ONLY = _lazy("仅省职业技能服务指导中心可以查看各地市报送情况。")


def _center(request: HttpRequest) -> Agency:
    if not has_role(request.user, Role.PROVINCE_STAFF):
        raise PermissionDenied(CENTER_ONLY)
    return request.user.agency


# ---- merit ranking, select / reject -----------------------------------------------------------


SELECTION_DECISIONS = ("select", "reject")
SHOW_CHOICES = ("all", "awaiting")


def _show(request: HttpRequest) -> str:
    show = request.GET.get("show") or request.POST.get("show") or "all"
    return show if show in SHOW_CHOICES else "all"


def _city(request: HttpRequest) -> int | None:
    city = request.GET.get("city") or request.POST.get("city") or ""
    return int(city) if city.isdigit() else None


@dataclass
class SelectionRow:
    """One row of the province's ranking, its URLs and options worked out once per page."""

    position: int | None
    record: ReviewStage
    case_url: str
    decide_url: str
    decisions: list
    state: str


def selection_rows(records: list[ReviewStage], places: dict[int, int], user) -> list[SelectionRow]:
    case_head, case_tail = reverse("applications:detail", args=[0]).rsplit("/0/", 1)
    decide_head, decide_tail = reverse("selection:decide", args=[0]).rsplit("/0/", 1)
    states = dict(State.choices)
    rows = []
    for record in records:
        pk = record.application_id
        actions = workflow.available_actions(record.application, user)
        rows.append(
            SelectionRow(
                position=places.get(pk),
                record=record,
                case_url=f"{case_head}/{pk}/{case_tail}",
                decide_url=f"{decide_head}/{pk}/{decide_tail}",
                decisions=[t for t in actions if t.action in SELECTION_DECISIONS],
                state=str(states.get(record.application.state, record.application.state)),
            )
        )
    return rows


@role_required(Role.PROVINCE_STAFF, message=CENTER_ONLY)
def selection_ranking(request: HttpRequest) -> HttpResponse:
    """The province-wide merit ranking, 50 cases a page from the stored scores (issue 24)."""
    center = _center(request)
    round_ = pick_round(selection_rounds(), request.GET.get("round"))
    show, city = _show(request), _city(request)
    context: dict = {"round": round_, "show": show, "city": city}
    if round_:
        ranked = ranking_of(center, round_, Stage.PROVINCE_SELECTION)
        shown = ranked
        if show == "awaiting":
            shown = shown.filter(application__state=State.PROVINCE_REVIEW)
        if city is not None:
            shown = shown.filter(application__receiving_agency_id=city)
        page = ranking_page(shown, request.GET.get("page"), with_city=True)
        records = list(page.object_list)
        places = positions(ranked, [r.application_id for r in records])
        back = {"round": str(round_.pk), "page": str(page.number), "show": show}
        if city is not None:
            back["city"] = str(city)
        context |= {
            "page": page,
            "rows": selection_rows(records, places, request.user),
            "methods_used": method_labels(methods_count(ranked)),
            "selected_count": ranked.exclude(application__state=State.PROVINCE_REVIEW).count(),
            "cities": Agency.objects.filter(kind=Agency.Kind.CITY).order_by("code"),
            "back": back,
            "csrf_field": csrf_input(request),
            "form": SelectionForm(),
        }
    return render(request, "selection/ranking.html", context)


@role_required(Role.PROVINCE_STAFF, message=CENTER_ONLY)
def selection_ranking_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole province-wide ranking of the round as CSV or XLSX, streamed (issue 24)."""
    center = _center(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    round_ = pick_round(selection_rounds(), request.GET.get("round"))
    if round_ is None:
        raise Http404
    ranked = ranking_of(center, round_, Stage.PROVINCE_SELECTION)
    name = f"省级评审排名-{round_.year}.{fmt}"
    return export_response(ranked, fmt, name, with_city=True)


def _back(request: HttpRequest, application: Application) -> str:
    """The ranking's page and filters the form came from, and the row's anchor."""
    query: dict = {"round": application.round_id}
    page = request.POST.get("page", "")
    if page.isdigit():
        query["page"] = int(page)
    if (show := _show(request)) != "all":
        query["show"] = show
    if (city := _city(request)) is not None:
        query["city"] = city
    return f"{reverse('selection:ranking')}?{urlencode(query)}#row-{application.pk}"


@login_required
@require_POST
def selection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _center(request)  # the center only (403 otherwise)
    application = access.get_for_user(Application.objects.all(), request.user, pk)
    form = SelectionForm(request.POST)
    back = _back(request, application)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    applicant_reason = data["applicant_reason"].strip()
    extra = {"reason": applicant_reason} if applicant_reason else {}
    return run_transition(
        request,
        application,
        data["decision"],
        back=back,
        data={
            # Rank and total: worked out by the decision's effect when it is recorded.
            "decision_reason": data["reason"],
            **extra,
        },
        success=_("已记录省级评审结论：%(name)s。") % {"name": application.institution.name},
    )


# ---- leadership approval (department) ---------------------------------------------------------


def _department(request: HttpRequest) -> None:
    if not has_role(request.user, Role.DEPARTMENT):
        raise PermissionDenied(DEPARTMENT_ONLY)


@role_required(Role.DEPARTMENT, message=DEPARTMENT_ONLY)
def approval(request: HttpRequest) -> HttpResponse:
    _department(request)
    round_ = pick_round(selection_rounds(), request.GET.get("round") or request.POST.get("round"))
    selected = []
    if round_:
        selected = list(
            Application.objects.filter(round=round_, state=State.SELECTED)
            .select_related("institution__city", "receiving_agency")
            .order_by("receiving_agency__code", "institution__name")
        )
    form = LeadershipApprovalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and round_ and form.is_valid():
        ticks = ticks_from(request, [a.pk for a in selected])
        done = run_decision(
            request,
            form,
            lambda: propose(LeadershipApproval.Kind.SELECTION, round_, selected, request.user),
            ticks,
            back=f"{reverse('selection:approval')}?round={round_.pk}",
            success=lambda approval, moved: (
                _("已记录%(ref)s的审定结果：同意 %(n)s 份。")
                % {"ref": approval.meeting_ref, "n": len(moved.done)}
            ),
        )
        if done is not None:
            return done
    decisions = LeadershipApproval.objects.filter(
        kind=LeadershipApproval.Kind.SELECTION, round=round_
    ).select_related("minutes")
    return render(
        request,
        "selection/approval.html",
        {
            "round": round_,
            "selected": selected,
            "form": form,
            "decisions": decisions.prefetch_related("entries__application__institution")
            if round_
            else [],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def approval_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_role(request.user, Role.DEPARTMENT, Role.PROVINCE_STAFF):
        raise PermissionDenied(_("仅省人社厅和省职业技能服务指导中心可以查阅会议纪要。"))
    decision = get_object_or_404(
        LeadershipApproval.objects.select_related("minutes"),
        pk=pk,
        kind=LeadershipApproval.Kind.SELECTION,
    )
    audit.record("minutes_viewed", decision, actor=request.user)
    return file_response(decision.minutes)


# ---- the center's receiving side: per-city overview of a round ----------------------------------


def _current_of(rounds: list[Round]) -> str | None:
    """The round the portal calls current (accepting applications, else the latest published;
    not a simulated round run in the past), when it has cases (issue 22)."""
    current = current_round()
    return str(current.pk) if current is not None and current in rounds else None


@role_required(Role.PROVINCE_STAFF, message=OVERVIEW_ONLY)
def overview(request: HttpRequest) -> HttpResponse:
    rounds = list(Round.objects.filter(applications__isnull=False).distinct().order_by("-pk"))
    round_ = pick_round(rounds, request.GET.get("round") or _current_of(rounds))
    rows = city_overview(round_) if round_ else []
    totals = {
        name: sum(getattr(r, name) for r in rows)
        for name in ("received", "verified", "recommended", "sent")
    }
    return render(
        request,
        "selection/province/overview.html",
        {"rounds": rounds, "round": round_, "rows": rows, "totals": totals},
    )
