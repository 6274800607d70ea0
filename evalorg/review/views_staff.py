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
from django.utils.http import urlencode
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
from .models import DeadlineExtension, ReviewStage
from .ranking import (
    PER_PAGE,
    methods_count,
    positions,
    ranking_page,
)
from .ranking import ranking as ranking_of
from .ranking_export import EXPORT_FORMATS, export_response
from .scoring import format_score, method_labels
from .services import agency_rounds, first_instance_stage, pick_round

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
# and ``get_state_display`` per row were most of the page's time (cProfile, issue 12). Every
# value is escaped (``format_html``) except the SafeStrings worked out once per page
# (``RowLabels``: labels, URL patterns, the CSRF field, the fields that bring a POST back).
ROW_HTML = (
    '\n<tr data-application="{pk}" id="row-{pk}">\n'
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
    '\n    <form method="post" action="{url}" class="d-flex flex-column gap-1">{csrf}{back}\n'
    '      <select name="decision" class="form-select form-select-sm" aria-label="{decision}">'
    "{options}</select>\n"
    '      <textarea name="reason" class="form-control form-control-sm" rows="2" '
    'placeholder="{reason}" aria-label="{reason}" required></textarea>\n'
    '      <input type="hidden" name="confirm" value="">'
    '<button class="btn btn-sm btn-primary" type="submit" data-testid="{testid}-{pk}">'
    "{ok}</button>\n"
    "    </form>\n  "
)
# A decision not yet sent is changed from its row too (issue 22): revise_decision and the new
# decision in one POST.
REVISE_HTML = (
    '<details class="mt-1"><summary class="small" data-testid="revise-{pk}">{revise}</summary>'
    "{form}</details>"
)
DECISIONS = ("recommend", "not_recommend")
DISPERSED_HTML = (
    ' <span class="badge bg-warning text-dark" title="{spread_label} {spread}">{dispersed}</span>'
)
SHOW_CHOICES = ("all", "awaiting")
FORM_TESTIDS = {False: "decide", True: "redecide"}  # a first decision, a revised one


class RowLabels:
    """The labels, URLs and the CSRF field of the ranking rows, escaped once per page."""

    def __init__(self, csrf_field: SafeString, user, back: dict[str, str], threshold) -> None:
        self.user = user
        self.threshold = threshold
        self.states = {value: escape(label) for value, label in State.choices}
        url = reverse("review:decide", args=[0])
        self.decide_head, self.decide_tail = (escape(part) for part in url.rsplit("/0/", 1))
        case = reverse("applications:detail", args=[0])
        self.case_head, self.case_tail = (escape(part) for part in case.rsplit("/0/", 1))
        self.csrf_field = csrf_field
        self.back = SafeString(
            "".join(
                format_html('<input type="hidden" name="{}" value="{}">', name, value)
                for name, value in back.items()
            )
        )
        self.recommend, self.not_recommend = escape(_("推荐")), escape(_("不推荐"))
        self.options = SafeString(
            "".join(
                format_html('<option value="{}">{}</option>', t.action, t.label)
                for t in (workflow.TABLE[action] for action in DECISIONS)
            )
        )
        self.trimmed = format_html(
            '<span class="badge bg-light text-dark">{}</span>', _("去高去低")
        )
        self.spread_label, self.dispersed = escape(_("专家总分极差")), escape(_("评分离散"))
        self.reason, self.ok = escape(_("理由（必填）")), escape(_("确定"))
        self.decision = escape(_("推荐决定"))
        self.revise = escape(_("修改决定"))
        self.revise_reason = escape(_("修改理由及新的推荐意见理由（必填）"))

    def case_url(self, pk: int) -> str:
        return f"{self.case_head}/{pk}/{self.case_tail}"

    def decide_url(self, pk: int) -> str:
        return f"{self.decide_head}/{pk}/{self.decide_tail}"


# Decided cases whose decision may still be revised before sending (revise_decision).
REVISABLE = frozenset({State.RECOMMENDED, State.NOT_RECOMMENDED})


def page_rows(
    records: list[ReviewStage], positions: dict[int, int], labels: RowLabels
) -> list[SafeString]:
    """The ranking table's rows of one page as HTML (see ``ROW_HTML``)."""
    return [page_row(record, positions.get(record.application_id), labels) for record in records]


def page_row(record: ReviewStage, position: int | None, labels: RowLabels) -> SafeString:
    application, pk = record.application, record.application_id
    dispersed = ""
    if record.score_spread is not None and record.score_spread > labels.threshold:
        dispersed = DISPERSED_HTML.format(
            spread_label=labels.spread_label,
            spread=format_score(record.score_spread),
            dispersed=labels.dispersed,
        )
    return SafeString(
        ROW_HTML.format(
            pk=pk,
            rank=position or "—",
            name=escape(application.institution.name),
            case_url=labels.case_url(pk),
            ack_no=escape(application.acknowledgement_no or ""),
            count=record.score_count,
            trimmed=labels.trimmed if record.score_method == "trimmed_mean" else "",
            total=format_score(record.score_total),
            dispersed=dispersed,
            industry=format_score(record.score_industry),
            authority=format_score(record.score_authority),
            professionalism=format_score(record.score_professionalism),
            state=labels.states.get(application.state) or escape(application.state),
            decision=decision_cell(record, labels),
        )
    )


def decision_form(pk: int, labels: RowLabels, *, revising: bool) -> str:
    return DECIDE_HTML.format(
        url=labels.decide_url(pk),
        csrf=labels.csrf_field,
        back=labels.back,
        options=labels.options,
        reason=labels.revise_reason if revising else labels.reason,
        testid=FORM_TESTIDS[revising],
        pk=pk,
        ok=labels.ok,
        decision=labels.decision,
    )


def decision_cell(record: ReviewStage, labels: RowLabels) -> str:
    """The decision form while the case awaits one; else the decision and its reason, with the
    form to change it while it may be revised (not yet sent)."""
    application, pk = record.application, record.application_id
    actions = {t.action for t in workflow.available_actions(application, labels.user)}
    if application.state == State.CITY_ASSESSED and actions & set(DECISIONS):
        return decision_form(pk, labels, revising=False)
    if record.recommended is None:
        return "—"
    verdict = labels.recommend if record.recommended else labels.not_recommend
    text = f"{verdict}：{escape(record.reason)}"
    if record.sent_at is None and application.state in REVISABLE and "revise_decision" in actions:
        form = decision_form(pk, labels, revising=True)
        text += REVISE_HTML.format(pk=pk, revise=labels.revise, form=form)
    return text


def _show(request: HttpRequest) -> str:
    show = request.GET.get("show") or request.POST.get("show") or "all"
    return show if show in SHOW_CHOICES else "all"


@role_required(Role.REVIEWING_STAFF, message=STAFF_ONLY)
def ranking(request: HttpRequest) -> HttpResponse:
    """The agency's ranking, 50 cases a page from the stored scores (issue 24)."""
    agency = _agency(request)
    round_ = _round(request, agency)
    show = _show(request)
    context: dict = {"agency": agency, "round": round_, "send_confirm": SEND_CONFIRM, "show": show}
    if round_:
        ranked = ranking_of(agency, round_, first_instance_stage(agency))
        shown = (
            ranked.filter(application__state=State.CITY_ASSESSED) if show == "awaiting" else ranked
        )
        page = ranking_page(shown, request.GET.get("page"), with_city=False)
        records = list(page.object_list)
        back = {"round": str(round_.pk), "page": str(page.number), "show": show}
        labels = RowLabels(csrf_input(request), request.user, back, round_.dispersion_threshold)
        awaiting = Application.objects.filter(
            round=round_, receiving_agency=agency, state=State.VERIFIED
        )
        context |= {
            "page": page,
            "rows": page_rows(
                records, positions(ranked, [r.application_id for r in records]), labels
            ),
            "methods_used": method_labels(methods_count(ranked)),
            "awaiting": awaiting.select_related("institution").order_by("submitted_at")[:PER_PAGE],
            "awaiting_count": awaiting.count(),
            "recommended_count": ranked.filter(recommended=True).count(),
            "quota": round_.recommendation_quota,
            "extensions": DeadlineExtension.objects.filter(agency=agency, round=round_),
        }
    return render(request, "review/staff/ranking.html", context)


@login_required
def ranking_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole ranking of the agency's round as CSV or XLSX, streamed (issue 24)."""
    agency = _agency(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    round_ = _round(request, agency)
    if round_ is None:
        raise PermissionDenied(_("本机构尚无可导出的排名。"))
    ranked = ranking_of(agency, round_, first_instance_stage(agency))
    name = f"{agency.name}-评估排名-{round_.year}.{fmt}"
    return export_response(ranked, fmt, name, with_city=False)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Perform recommend / not_recommend, whose effect records the decision on the stage record:
    a refused transition (quota, wrong state) leaves the stored decision as it was. A decision
    not yet sent is changed here too: revise_decision and the new decision, all or nothing
    (issue 22). The browser goes back to the page and row it came from."""
    _agency(request)  # receiving staff only (403 otherwise)
    application = access.get_for_user(Application.objects.all(), request.user, pk)
    back = _ranking_url(application.round_id, request, anchor=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    decision = form.cleaned_data["decision"]
    # Rank and total are worked out by the decision's effect, once, when it is recorded.
    data = {"reason": form.cleaned_data["reason"]}
    user = request.user
    if application.state in REVISABLE:

        def revise_and_decide() -> Application:
            with transaction.atomic():
                revised = workflow.perform(application, "revise_decision", user, **data)
                return workflow.perform(revised, decision, user, **data)

        act, precheck = (
            revise_and_decide,
            lambda: workflow.check(application, "revise_decision", user, data),
        )
    else:
        act = lambda: workflow.perform(application, decision, user, **data)  # noqa: E731
        precheck = lambda: workflow.check(application, decision, user, data)  # noqa: E731
    # The form and the engine (quota, state) first; then the server asks: the page has no
    # browser dialog, which would ask before the reason is checked (issue 18 item 4).
    return run(
        request,
        act,
        back=back,
        success=_("已记录推荐意见：%(name)s。") % {"name": application.institution.name},
        question=workflow.TABLE[decision].confirm,
        precheck=precheck,
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


def _ranking_url(
    round_id: int | None, request: HttpRequest | None = None, anchor: int | None = None
) -> str:
    """The ranking of the round; with ``request``, the page and filter a form posted back
    (validated: a number and one of the filters), and the row's anchor."""
    query = {"round": round_id} if round_id else {}
    if request is not None:
        page = request.POST.get("page", "")
        if page.isdigit():
            query["page"] = int(page)
        if (show := _show(request)) != "all":
            query["show"] = show
    url = reverse("review:ranking")
    if query:
        url += "?" + urlencode(query)
    return f"{url}#row-{anchor}" if anchor else url


@login_required
def summary_download(request: HttpRequest, fmt: str) -> HttpResponse:
    from evalorg.documents.xlsx import xlsx_response

    from .summary import summary_workbook
    from .summary_builds import pdf_response

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
    return pdf_response(request, agency, round_, prepared_by, f"{name}.pdf")


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
