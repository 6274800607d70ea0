"""Ranking, recommendation decisions, the summary download and sending to the province."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Agency, Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications import access, workflow
from evalorg.applications.models import Application, State
from evalorg.core import audit
from evalorg.core.actions import run, run_transition, show_refusals
from evalorg.rounds.models import Round

from .decisions import send_batch
from .forms import DecisionForm, ExtensionForm
from .models import DeadlineExtension
from .scoring import PROFESSIONALISM, format_score, methods_used
from .services import RankedRow, agency_rounds, pick_round, ranked

SEND_CONFIRM = _lazy(
    "确定报送省中心吗？本批次全部已推荐申请将一并报送，报送后不能撤回或修改推荐意见。"
)

# The refusal of the role check, said once for the decorator and the helper.
EXTEND_ONLY = _lazy("仅省职业技能服务指导中心可以重新开放报送。")
STAFF_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以访问。")


def _agency(request: HttpRequest) -> Agency:
    if not request.user.is_authenticated or not has_role(request.user, Role.REVIEWING_STAFF):
        raise PermissionDenied(STAFF_ONLY)
    return request.user.agency


def _round(request: HttpRequest, agency: Agency) -> Round | None:
    return pick_round(agency_rounds(agency), request.GET.get("round") or request.POST.get("round"))


# One row of the ranking table. Built in Python, not in the template: at 1,000 rows the
# template's variable lookups, localisation and escaping, the ``|score`` filter, ``{% url %}``
# and ``get_state_display`` per row were most of the page's time (cProfile, issue 12). Same
# markup as the template had; every value is escaped (``format_html``) except the SafeStrings
# worked out once per page.
ROW_HTML = (
    '\n<tr data-application="{pk}">\n'
    "  <td>{rank}</td>\n"
    '  <td><a href="{case_url}" data-testid="case-{pk}">{name}</a>'
    '<div class="small text-muted">{ack_no}</div></td>\n'
    "  <td>{count}{trimmed}</td>\n"
    "  <td><strong>{total}</strong>{dispersed}</td>\n"
    "  <td>{industry}</td>\n"
    "  <td>{authority}</td>\n"
    "  <td>{professionalism}</td>\n"
    "  <td>{state}</td>\n"
    "  <td>\n"
    "  {decision}\n"
    "  </td>\n"
    "</tr>\n"
)
DECIDE_HTML = (
    '\n    <form method="post" action="{url}" class="d-flex flex-column gap-1">{csrf}\n'
    '      <select name="decision" class="form-select form-select-sm">{options}</select>\n'
    '      <textarea name="reason" class="form-control form-control-sm" rows="2" '
    'placeholder="{reason}" required></textarea>\n'
    '      <input type="hidden" name="confirm" value="">'
    '<button class="btn btn-sm btn-primary" type="submit" data-testid="decide-{pk}">'
    "{ok}</button>\n"
    "    </form>\n  "
)
DECISIONS = ("recommend", "not_recommend")
DISPERSED_HTML = (
    ' <span class="badge bg-warning text-dark" title="{spread_label} {spread}">{dispersed}</span>'
)


class RowLabels:
    """The labels, URLs and the CSRF field of the ranking rows, escaped once per page."""

    def __init__(self, csrf_field: SafeString, user) -> None:
        self.user = user
        self.states = {value: escape(label) for value, label in State.choices}
        url = reverse("review:decide", args=[0])
        self.decide_head, self.decide_tail = (escape(part) for part in url.rsplit("/0/", 1))
        # The case page, where a decision not yet sent is revised (revise_decision).
        case = reverse("applications:detail", args=[0])
        self.case_head, self.case_tail = (escape(part) for part in case.rsplit("/0/", 1))
        self.csrf_field = csrf_field
        self.recommend, self.not_recommend = escape(_("推荐")), escape(_("不推荐"))
        self.trimmed = format_html(
            '<span class="badge bg-light text-dark">{}</span>', _("去高去低")
        )
        self.spread_label, self.dispersed = escape(_("专家总分极差")), escape(_("评分离散"))
        self.reason, self.ok = escape(_("理由（必填）")), escape(_("确定"))
        self.revise = escape(_("修改决定"))


# Decided cases whose decision may still be revised before sending (revise_decision).
REVISABLE = frozenset({State.RECOMMENDED, State.NOT_RECOMMENDED})


def page_rows(rows: list[RankedRow], csrf_field: SafeString, user) -> list[SafeString]:
    """The ranking table's rows as HTML (see ``ROW_HTML``)."""
    labels = RowLabels(csrf_field, user)
    return [page_row(row, labels) for row in rows]


def page_row(row: RankedRow, labels: RowLabels) -> SafeString:
    application, aggregate = row.application, row.aggregate
    dimensions, pk = aggregate.dimensions, application.pk
    dispersed = ""
    if aggregate.dispersed:
        dispersed = DISPERSED_HTML.format(
            spread_label=labels.spread_label,
            spread=format_score(aggregate.spread),
            dispersed=labels.dispersed,
        )
    return SafeString(
        ROW_HTML.format(
            pk=pk,
            rank=row.rank,
            name=escape(application.institution.name),
            case_url=f"{labels.case_head}/{pk}/{labels.case_tail}",
            ack_no=escape(application.acknowledgement_no or ""),
            count=aggregate.count,
            trimmed=labels.trimmed if aggregate.method == "trimmed_mean" else "",
            total=format_score(aggregate.total),
            dispersed=dispersed,
            industry=format_score(dimensions.get("industry_representativeness")),
            authority=format_score(dimensions.get("sector_authority")),
            professionalism=format_score(dimensions.get(PROFESSIONALISM)),
            state=labels.states.get(application.state) or escape(application.state),
            decision=decision_cell(row, labels),
        )
    )


def decision_cell(row: RankedRow, labels: RowLabels) -> str:
    """The decision form while the case awaits one, else the decision and its reason."""
    application, decision = row.application, row.recommendation
    # The decisions this user may take on the case now (the case's workflow): its options.
    decisions = (
        [t for t in workflow.available_actions(application, labels.user) if t.action in DECISIONS]
        if application.state == State.CITY_ASSESSED
        else []
    )
    if decisions:
        return DECIDE_HTML.format(
            url=f"{labels.decide_head}/{application.pk}/{labels.decide_tail}",
            csrf=labels.csrf_field,
            options=SafeString(
                "".join(
                    format_html('<option value="{}">{}</option>', t.action, t.label)
                    for t in decisions
                )
            ),
            reason=labels.reason,
            pk=application.pk,
            ok=labels.ok,
        )
    if decision is None:
        return "—"
    verdict = labels.recommend if decision.recommended else labels.not_recommend
    text = f"{verdict}：{escape(decision.reason)}"
    if decision.sent_at is None and application.state in REVISABLE:
        # Revised on the case page (revise_decision, with a reason) until sent (issue 22).
        url = f"{labels.case_head}/{application.pk}/{labels.case_tail}"
        pk = application.pk
        text += f' <a class="small" href="{url}" data-testid="revise-{pk}">{labels.revise}</a>'
    return text


@role_required(Role.REVIEWING_STAFF, message=STAFF_ONLY)
def ranking(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    round_ = _round(request, agency)
    rows = ranked(agency, round_, with_occupations=False) if round_ else []
    recommended = sum(1 for r in rows if r.recommendation and r.recommendation.recommended)
    awaiting = []
    if round_:
        awaiting = list(
            Application.objects.filter(round=round_, receiving_agency=agency, state=State.VERIFIED)
            .select_related("institution")
            .order_by("submitted_at")
        )
    return render(
        request,
        "review/staff/ranking.html",
        {
            "agency": agency,
            "round": round_,
            "send_confirm": SEND_CONFIRM,
            "rows": page_rows(rows, csrf_input(request), request.user),
            "methods_used": methods_used(rows),
            "awaiting": awaiting,
            "recommended_count": recommended,
            "quota": round_.recommendation_quota if round_ else None,
            "form": DecisionForm(),
            "extensions": DeadlineExtension.objects.filter(agency=agency, round=round_)
            if round_
            else [],
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Perform recommend / not_recommend, whose effect records the decision on the stage record:
    a refused transition (quota, wrong state) leaves the stored decision as it was."""
    _agency(request)  # receiving staff only (403 otherwise)
    application = access.get_for_user(Application.objects.all(), request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _to_ranking(application.round_id)
    decision = form.cleaned_data["decision"]
    # Rank and total are worked out by the decision's effect, once, when it is recorded.
    data = {"reason": form.cleaned_data["reason"]}
    # The form and the engine (quota, state) first; then the server asks: the page has no
    # browser dialog, which would ask before the reason is checked (issue 18 item 4).
    return run(
        request,
        lambda: workflow.perform(application, decision, request.user, **data),
        back=_ranking_url(application.round_id),
        success=_("已记录推荐意见：%(name)s。") % {"name": application.institution.name},
        question=workflow.TABLE[decision].confirm,
        precheck=lambda: workflow.check(application, decision, request.user, data),
    )


@login_required
@require_POST
def complete_scoring(request: HttpRequest, pk: int) -> HttpResponse:
    _agency(request)
    application = access.get_for_user(Application.objects.all(), request.user, pk)
    return run_transition(
        request,
        application,
        "score_complete",
        back=_ranking_url(application.round_id),
        success=_("已确认专家评估完成：%(name)s。") % {"name": application.institution.name},
    )


@login_required
@require_POST
def send_to_province(request: HttpRequest) -> HttpResponse:
    """Send every recommended case of the round as one batch, all or nothing."""
    agency = _agency(request)
    round_ = _round(request, agency)
    back = _ranking_url(round_.pk if round_ else None)
    pending = list(
        Application.objects.filter(round=round_, receiving_agency=agency, state=State.RECOMMENDED)
    )
    if not pending:
        messages.error(request, _("没有待报送的已推荐申请。"))
        return redirect(back)

    def refused(refusals: list[workflow.Refusal]) -> HttpResponse:
        messages.error(request, _("报送未完成，所有申请均未报送："))
        show_refusals(request, refusals)
        return redirect(back)

    return run(
        request,
        lambda: send_batch(pending, request.user),
        back=back,
        question=str(SEND_CONFIRM),
        precheck=lambda: [
            workflow.Refusal(r.clause, f"{application}：{r.message}")
            for application in pending
            for r in workflow.check(application, "send_to_province", request.user)
        ],
        refused=refused,
        success=lambda batch: (
            _("已向省职业技能服务指导中心报送 %(n)s 份推荐申请（报送批次号 %(batch)s）。")
            % {"n": len(batch.done), "batch": batch.id[:8]}
        ),
    )


def _ranking_url(round_id: int | None) -> str:
    url = reverse("review:ranking")
    return f"{url}?round={round_id}" if round_id else url


def _to_ranking(round_id: int | None) -> HttpResponse:
    return redirect(_ranking_url(round_id))


def _summary_response(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def summary_download(request: HttpRequest, fmt: str) -> HttpResponse:
    from evalorg.documents.xlsx import xlsx_response

    from .summary import summary_pdf, summary_workbook

    agency = _agency(request)
    if fmt not in {"xlsx", "pdf"}:
        raise Http404
    round_ = _round(request, agency)
    if round_ is None:
        raise PermissionDenied(_("本机构尚无可汇总的批次。"))
    prepared_by = request.user.display_name
    name = f"{agency.name}-遴选推荐汇总表-{round_.year}"
    audit.record("summary_downloaded", round_, actor=request.user, data={"format": fmt})
    if fmt == "xlsx":
        return xlsx_response(
            summary_workbook(agency, round_, prepared_by=prepared_by), f"{name}.xlsx"
        )
    return _summary_response(
        summary_pdf(agency, round_, prepared_by=prepared_by), f"{name}.pdf", "application/pdf"
    )


@role_required(Role.PROVINCE_STAFF, message=EXTEND_ONLY)
def extend_deadline(request: HttpRequest) -> HttpResponse:
    """The provincial center reopens the sending window for one city agency (audited)."""
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            extension = DeadlineExtension.objects.create(
                granted_by=request.user, **form.cleaned_data
            )
            audit.record(
                "deadline_extended",
                extension.round,
                actor=request.user,
                data={
                    "agency": extension.agency_id,
                    "until": extension.until,
                    "reason": extension.reason,
                },
            )
        messages.success(
            request,
            _("已为%(agency)s重新开放报送至 %(d)s。")
            % {"agency": extension.agency.name, "d": f"{extension.until:%Y年%m月%d日}"},
        )
        return redirect("review:extend")
    extensions = DeadlineExtension.objects.select_related("agency", "round", "granted_by")
    return render(
        request,
        "review/staff/extend.html",
        {"form": form, "extensions": extensions.order_by("-granted_at")[:100]},
        status=400 if form.errors else 200,
    )
