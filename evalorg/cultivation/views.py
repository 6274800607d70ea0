"""Cultivation pages: the commitment letter (the applicant signs; anyone who sees the case may
read the signed PDF) and the staff's exam-administration training records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, require, role_required
from evalorg.applications import access
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import (
    Refusal,
    TransitionRefused,
    available_actions,
    check,
)
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.context import client_ip
from evalorg.core.files import CONTENT_TYPES, UploadRefused, file_response
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import workflow_of
from evalorg.documents.xlsx import XLSX_CONTENT_TYPE
from evalorg.review.conflicts import ConflictIndex
from evalorg.review.panels import candidate_experts

from . import bank_reports, bank_review, countdown, deliverables, sample_papers
from .bank_checks import read
from .bank_queue import waiting_lines as bank_queue_lines
from .banks.annotate import annotated_workbook
from .banks.requirements import BankRequirements
from .banks.templates import (
    marking_template,
    paper_plan_template,
    skill_template,
    specification_template,
    theory_template,
)
from .commitment import (
    commitment_pdf_bytes,
    letter_text,
    require_signed,
    sign,
    signed_letter,
)
from .forms import (
    AssignReviewerForm,
    AttendanceForm,
    BankDecisionForm,
    DeliverableForm,
    SessionForm,
    SignForm,
)
from .models import BankCheck, BankReviewAssignment, CultivationPeriod, Deliverable, TrainingSession
from .training import (
    TRAINING_STAFF_ONLY,
    create_session,
    institutions_for,
    record_attendance,
    require_training_staff,
    sessions_for,
)


def _case(request: HttpRequest, pk: int) -> Application:
    qs = Application.objects.select_related("institution", "round")
    return access.get_for_user(qs, request.user, pk)


QUEUE_PAGE_SIZE = 25
ASSIGNED_BY_CENTER = _lazy("题库评审专家由省职业技能服务指导中心指派（N-4.2）。")


@login_required
def commitment(request: HttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    letter = signed_letter(application)
    if letter is None and not access.is_own(application, request.user):
        raise Http404  # staff read the signed letter; only the applicant signs
    form = SignForm(request.POST or None)
    if request.method == "POST" and letter is None and form.is_valid():
        return run(
            request,
            lambda: sign(
                application, request.user, form.cleaned_data["signed_name"], client_ip(request)
            ),
            back=reverse("cultivation:commitment", args=[application.pk]),
            success=_("承诺书已签署。"),
            done_url=reverse("applications:detail", args=[application.pk]),
            refused=lambda refusals: _commitment_page(request, application, form, refusals),
        )
    return _commitment_page(request, application, form, [])


def _commitment_page(
    request: HttpRequest, application: Application, form: SignForm, refusals: list[Refusal]
) -> HttpResponse:
    for refusal in refusals:
        form.add_error("signed_name", refusal.shown)
    letter = signed_letter(application)
    context = {
        "application": application,
        "letter": letter,
        "text": letter.text if letter else letter_text(application),
        "form": form,
        "can_sign": letter is None and application.state == State.CULTIVATING,
    }
    return render(request, "cultivation/commitment.html", context)


@login_required
def commitment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    letter = signed_letter(application)
    if letter is None:
        raise Http404
    response = HttpResponse(commitment_pdf_bytes(letter), content_type="application/pdf")
    name = f"工作承诺书-{application.acknowledgement_no or application.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@role_required(
    Role.PROVINCE_STAFF, message=_lazy("题库审核由省职业技能服务指导中心办理（N-4.2）。")
)
def bank_queue(request: HttpRequest) -> HttpResponse:
    """The center's queue of submitted question banks, earliest last day first, 25 a page."""
    page = Paginator(bank_queue_lines(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cultivation/bank_queue.html", {"page": page})


@role_required(Role.REVIEWING_STAFF, message=TRAINING_STAFF_ONLY)
def training_list(request: HttpRequest) -> HttpResponse:
    require_training_staff(request.user)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def refused(refusals: list[Refusal]) -> HttpResponse:
            for refusal in refusals:
                form.add_error("held_on", refusal.shown)
            return _training_list_page(request, form)

        return run(
            request,
            lambda: create_session(request.user, **form.cleaned_data),
            back=reverse("cultivation:training_list"),
            success=_("考务培训已创建，请登记参训情况。"),
            done_url=lambda session: reverse("cultivation:training", args=[session.pk]),
            refused=refused,
        )
    return _training_list_page(request, form)


def _training_list_page(request: HttpRequest, form: SessionForm) -> HttpResponse:
    sessions = sessions_for(request.user).annotate(
        institution_count=Count(
            "attendances__institution", filter=Q(attendances__attended=True), distinct=True
        ),
        attendee_count=Count("attendances", filter=Q(attendances__attended=True)),
    )
    return render(request, "cultivation/training_list.html", {"sessions": sessions, "form": form})


@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_training_staff(request.user)
    session = get_object_or_404(sessions_for(request.user), pk=pk)
    institutions = institutions_for(request.user)
    form = AttendanceForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def refused(refusals: list[Refusal]) -> HttpResponse:
            for refusal in refusals:
                form.add_error(None, refusal.shown)
            return _training_page(request, session, form)

        try:
            return run(
                request,
                lambda: record_attendance(
                    session,
                    request.user,
                    institution=data["institution"],
                    attendee_name=data["attendee_name"],
                    attended=data["attended"],
                ),
                back=reverse("cultivation:training", args=[session.pk]),
                success=_("已登记。"),
                refused=refused,
            )
        except IntegrityError:
            form.add_error("attendee_name", _("该人员已登记。"))
    return _training_page(request, session, form)


def _training_page(
    request: HttpRequest, session: TrainingSession, form: AttendanceForm
) -> HttpResponse:
    rows = session.attendances.select_related("institution")
    # A planned session is marked held by its first attendance: the button says so.
    actions = available_actions(session, request.user)
    context = {"session": session, "rows": rows, "form": form, "actions": actions}
    return render(request, "cultivation/training_detail.html", context)


# ---- question-bank deliverables per occupation line (issue 9) ---------------------------------


def _own_line(request: HttpRequest, line_pk: int) -> ApplicationOccupation:
    """The applicant's own line (404 for anyone else); 403 until the letter is signed."""
    line = get_object_or_404(
        ApplicationOccupation.objects.select_related(
            "application__institution", "application__round", "occupation"
        ),
        pk=line_pk,
    )
    if not access.is_own(line.application, request.user):
        raise Http404
    require_signed(line.application)
    return line


def _reviewed_line(request: HttpRequest, line_pk: int) -> ApplicationOccupation:
    """Province staff review question banks of lines in cultivation (404 for anyone else)."""
    if not has_role(request.user, Role.PROVINCE_STAFF):
        raise Http404
    line = get_object_or_404(
        ApplicationOccupation.objects.select_related(
            "application__institution", "application__round", "occupation"
        ),
        pk=line_pk,
        application__cultivation_period__isnull=False,
    )
    return line


def _line_context(line: ApplicationOccupation) -> dict:
    present = deliverables.current(line)
    rows = [(kind, label, present.get(kind)) for kind, label in Deliverable.Kind.choices]
    checked = [present[kind] for kind in deliverables.CHECKED if kind in present]
    period = CultivationPeriod.objects.filter(application=line.application).first()
    return {
        "line": line,
        "application": line.application,
        "period": period,
        "countdown": countdown.for_line(period, line) if period else None,
        "rows": rows,
        "history": Deliverable.objects.filter(line=line, is_current=False).select_related("file"),
        "review": last_review(line),
        "reports": [bank_reports.view(row) for row in checked if not row.checking],
        "decision": bank_review.last_decision(line),
    }


REVIEW_ACTIONS = ("pass_bank", "fail_bank")


def last_review(line: ApplicationOccupation) -> AuditEvent | None:
    """The province's latest decision on the line's bank, with the reviewers' comments (told
    to the organization, ``reason_to_applicant``): shown on the line page."""
    events = AuditEvent.objects.for_object(line).filter(action__in=REVIEW_ACTIONS)
    return events.order_by("-id").first()


@login_required
def line(request: HttpRequest, line_pk: int) -> HttpResponse:
    line = _own_line(request, line_pk)
    form = DeliverableForm()
    if request.method == "POST" and request.POST.get("action") == "submit":
        return run_transition(
            request,
            line,
            "submit_bank",
            back=reverse("cultivation:line", args=[line.pk]),
            success=_("题库已提交审核。"),
        )
    if request.method == "POST":
        form = DeliverableForm(request.POST, request.FILES)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            try:
                row = deliverables.upload(
                    line,
                    kind,
                    form.cleaned_data["file"],
                    request.user,
                    attachment=form.cleaned_data["attachment"],
                )
            except TransitionRefused as refused:
                for refusal in refused.refusals:
                    form.add_error(None, refusal.shown)
            except UploadRefused as refused:
                form.add_error("file", str(refused))
            else:
                if row.checking:
                    notice = _("已上传。文件较大，正在后台检查，请稍候查看检查结果。")
                    messages.info(request, notice)
                elif row.passed:
                    messages.success(request, _("已上传。"))
                else:
                    messages.warning(request, _("已上传，但检查未通过，请查看问题清单。"))
                return redirect("cultivation:line", line.pk)
    context = _line_context(line)
    context.update(
        form=form,
        can_upload=deliverables.upload_refusal(line, request.user) is None,
        can_submit=line.status in deliverables.OPEN_LINE,
        submit_confirm=workflow_of(line).table["submit_bank"].confirm,
    )
    return render(request, "cultivation/line.html", context)


TEMPLATES = {
    Deliverable.Kind.SPECIFICATION: specification_template,
    Deliverable.Kind.THEORY: theory_template,
    Deliverable.Kind.SKILL: skill_template,
    Deliverable.Kind.PAPER_PLAN: paper_plan_template,
    Deliverable.Kind.MARKING: marking_template,
}


@login_required
def line_template(request: HttpRequest, line_pk: int, kind: str) -> HttpResponse:
    """The blank workbook of one deliverable, its instructions stating the round's numbers."""
    line = _own_line(request, line_pk)
    if kind not in TEMPLATES:
        raise Http404
    req = BankRequirements.from_round(line.application.round)
    name = _("%(kind)s模板.xlsx") % {"kind": Deliverable.Kind(kind).label}
    response = HttpResponse(TEMPLATES[kind](req), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _readable_line(request: HttpRequest, line_pk: int) -> ApplicationOccupation:
    """The line for its applicant (letter signed), the reviewing province staff or an expert
    assigned to review it (403 for another expert); 404 else."""
    if has_role(request.user, Role.PROVINCE_STAFF):
        return _reviewed_line(request, line_pk)
    if has_role(request.user, Role.EXPERT):
        line = get_object_or_404(ApplicationOccupation, pk=line_pk)
        require(request.user, "cultivation.bank_reviewer", line)
        return line
    return _own_line(request, line_pk)


@login_required
def deliverable_file(request: HttpRequest, line_pk: int, pk: int) -> HttpResponse:
    line = _readable_line(request, line_pk)
    row = get_object_or_404(Deliverable.objects.select_related("file"), pk=pk, line=line)
    audit.record(
        "deliverable_downloaded",
        line,
        actor=request.user,
        data={"deliverable": row.pk, "kind": row.kind},
    )
    return file_response(row.file)


@login_required
def deliverable_attachment(request: HttpRequest, line_pk: int, pk: int) -> HttpResponse:
    """The scanned copy uploaded beside a deliverable's workbook (404 when there is none)."""
    line = _readable_line(request, line_pk)
    qs = Deliverable.objects.select_related("attachment").filter(attachment__isnull=False)
    row = get_object_or_404(qs, pk=pk, line=line)
    audit.record(
        "deliverable_downloaded",
        line,
        actor=request.user,
        data={"deliverable": row.pk, "kind": row.kind, "attachment": row.attachment_id},
    )
    return file_response(row.attachment)


@login_required
def line_review(request: HttpRequest, line_pk: int) -> HttpResponse:
    line = _reviewed_line(request, line_pk)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        assignment = get_object_or_404(
            BankReviewAssignment, pk=request.POST.get("assignment") or 0, line=line
        )
        return run_transition(
            request,
            assignment,
            "withdraw_bank_review",
            back=reverse("cultivation:line_review", args=[line.pk]),
            success=_("已撤回该专家的评审任务。"),
        )
    form = BankDecisionForm(request.POST or None, initial=_proposed_comments(line))
    if request.method == "POST" and form.is_valid():
        action = {"pass": "pass_bank", "fail": "fail_bank"}.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
        general, comments = form.cleaned_data["reason"].strip(), form.comments()
        data = bank_review.decision_data(general, comments)
        # The form was checked; the engine's check next; then the server asks (no browser
        # dialog on this page: it would ask before the form is checked).
        return run(
            request,
            lambda: bank_review.decide(line, action, request.user, general, comments),
            back=reverse("cultivation:line_review", args=[line.pk]),
            success=_("已记录审核结果。"),
            question=workflow_of(line).table[action].confirm,
            precheck=lambda: check(line, action, request.user, data),
            refused=lambda refusals: _review_page(request, line, form, refusals),
        )
    return _review_page(request, line, form, [])


def _proposed_comments(line: ApplicationOccupation) -> dict[str, str]:
    """The submitted sheets' findings per deliverable, without the experts' names, for the
    center to edit into its comments."""
    sheets = [
        a.sheet
        for a in bank_review.round_assignments(line)
        if a.status == BankReviewAssignment.Status.SUBMITTED
    ]
    return {
        f"comment_{kind}": "\n".join(f"{n}. {text}" for n, text in enumerate(texts, 1))
        for kind in bank_review.KINDS
        if (texts := [getattr(s, kind) for s in sheets if getattr(s, kind)])
    }


def _review_page(
    request: HttpRequest,
    line: ApplicationOccupation,
    form: BankDecisionForm,
    refusals: list[Refusal],
    assign_form: AssignReviewerForm | None = None,
) -> HttpResponse:
    for refusal in refusals:
        form.add_error(None, refusal.shown)
    submitted = line.status == ApplicationOccupation.Status.BANK_SUBMITTED
    context = _line_context(line)
    assignments = list(bank_review.round_assignments(line))
    context.update(
        form=form,
        can_decide=submitted,
        assignments=assignments,
        assign_form=assign_form or _assign_form(request, line),
        can_assign=submitted,
        required=bank_review.required_sheets(),
        submitted_count=sum(a.status == "submitted" for a in assignments),
        decision=bank_review.last_decision(line),
    )
    return render(request, "cultivation/line_review.html", context)


def _assign_form(
    request: HttpRequest, line: ApplicationOccupation, data: Any = None
) -> AssignReviewerForm:
    experts = candidate_experts(request.user.agency).order_by("full_name", "pk")
    index = ConflictIndex.for_applications([line.application], experts=experts)
    conflicted = {e.pk for e in experts if index.conflicted_anywhere(e, line.application)}
    return AssignReviewerForm(data, experts=experts, conflicted=conflicted)


@role_required(Role.PROVINCE_STAFF, message=ASSIGNED_BY_CENTER)
@require_POST
def line_assign(request: HttpRequest, line_pk: int) -> HttpResponse:
    """Assign an expert to the line's review; a conflicted expert is refused (N-4.1.2)."""
    line = _reviewed_line(request, line_pk)
    form = _assign_form(request, line, request.POST)
    if not form.is_valid():
        return _review_page(request, line, BankDecisionForm(), [], assign_form=form)

    def refused(refusals: list[Refusal]) -> HttpResponse:
        for refusal in refusals:
            form.add_error("expert", refusal.shown)
        return _review_page(request, line, BankDecisionForm(), [], assign_form=form)

    return run(
        request,
        lambda: bank_review.assign(line, form.cleaned_data["expert"], request.user),
        back=reverse("cultivation:line_review", args=[line.pk]),
        success=_("已指派评审专家。"),
        refused=refused,
    )


@login_required
def bank_check(request: HttpRequest, line_pk: int, pk: int) -> HttpResponse:
    """The progress of a background check (polled by htmx every 2 s while it is pending); once
    it has ended the page is reloaded (``HX-Refresh``) so the report shows as for a small file."""
    line = _readable_line(request, line_pk)
    check = get_object_or_404(BankCheck, pk=pk, deliverable__line=line)
    response = render(request, "cultivation/_bank_check.html", {"check": check, "line": line})
    if not check.pending:
        response["HX-Refresh"] = "true"
    return response


# ---- reports people act on, the annotated workbook and the sample papers (issue 20) ----------

PROBLEMS_PAGE_SIZE = 50


def _checked_deliverable(line: ApplicationOccupation, pk: int) -> Deliverable:
    """A checked deliverable (a workbook) of the line, current or not; 404 for others."""
    return get_object_or_404(
        Deliverable.objects.select_related("file"),
        pk=pk,
        line=line,
        kind__in=deliverables.CHECKED,
    )


@login_required
def deliverable_problems(request: HttpRequest, line_pk: int, pk: int, kind: str) -> HttpResponse:
    """Every stored problem of one kind of a checked deliverable, 50 a page."""
    line = _readable_line(request, line_pk)
    row = _checked_deliverable(line, pk)
    kept, total = bank_reports.problems_of_kind(row, kind)
    if not kept and not total:
        raise Http404
    page = Paginator(kept, PROBLEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "line": line,
        "row": row,
        "kind": kind,
        "label": bank_reports.kind_label(kind),
        "page": page,
        "total": total,
        "kept": len(kept),
        "is_reviewer": has_role(request.user, Role.PROVINCE_STAFF),
    }
    return render(request, "cultivation/problems.html", context)


@login_required
def deliverable_annotated(request: HttpRequest, line_pk: int, pk: int) -> HttpResponse:
    """The uploaded workbook with its problem cells highlighted and commented (bounded by
    ``BANK_ANNOTATION_MAX_COMMENTS``), with the list of problems as its first sheet."""
    line = _readable_line(request, line_pk)
    row = _checked_deliverable(line, pk)
    counts = _("共 %(errors)d 个错误、%(warnings)d 个提醒；本表列出其中保存的前 %(kept)d 条。") % {
        "errors": bank_reports.error_total(row),
        "warnings": bank_reports.warning_total(row),
        "kept": len(row.report or []),
    }
    try:
        out = annotated_workbook(
            read(row), row.report or [], settings.BANK_ANNOTATION_MAX_COMMENTS, counts
        )
    except (OSError, ValueError) as exc:
        raise Http404 from exc  # not a workbook (its report says so)
    audit.record(
        "annotated_workbook_downloaded",
        line,
        actor=request.user,
        data={"deliverable": row.pk, "kind": row.kind},
    )
    stem = row.file.original_name.rsplit(".", 1)[0] or row.get_kind_display()
    response = FileResponse(
        out,
        as_attachment=True,
        filename=_("%(name)s-检查标注.xlsx") % {"name": stem},
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


SAMPLE_FORMATS = {"docx": CONTENT_TYPES["docx"], "pdf": CONTENT_TYPES["pdf"]}


@login_required
def sample_papers_download(request: HttpRequest, line_pk: int, fmt: str) -> HttpResponse:
    """The A and B sample papers with the answer key (and the skill paper when a structured
    skill bank exists) for the line's reviewers, as DOCX or PDF."""
    line = _reviewed_line(request, line_pk)
    if fmt not in SAMPLE_FORMATS:
        raise Http404
    sample = sample_papers.build(line)
    render_ = sample_papers.docx_bytes if fmt == "docx" else sample_papers.pdf_bytes
    response = HttpResponse(render_(sample), content_type=SAMPLE_FORMATS[fmt])
    title = str(line).replace("/", "、")  # 五级/初级工: no path separator in a file name
    name = _("%(line)s-样卷.%(fmt)s") % {"line": title, "fmt": fmt}
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    audit.record("sample_papers_downloaded", line, actor=request.user, data={"format": fmt})
    return response
