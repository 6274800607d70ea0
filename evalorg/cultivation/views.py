"""Cultivation pages: the commitment letter (the applicant signs; anyone who sees the case may
read the signed PDF) and the staff's exam-administration training records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role, role_required
from evalorg.applications import access
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import (
    Refusal,
    TransitionRefused,
    available_actions,
    check,
    perform,
)
from evalorg.core import audit
from evalorg.core.actions import run, run_transition
from evalorg.core.context import client_ip
from evalorg.core.files import CONTENT_TYPES, UploadRefused, file_response
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import workflow_of

from . import countdown, deliverables
from .bank_queue import waiting_lines as bank_queue_lines
from .banks.templates import specification_template, theory_template
from .commitment import (
    commitment_pdf_bytes,
    letter_text,
    require_signed,
    sign,
    signed_letter,
)
from .forms import AttendanceForm, BankDecisionForm, DeliverableForm, SessionForm, SignForm
from .models import BankCheck, CultivationPeriod, Deliverable, TrainingSession
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
    period = CultivationPeriod.objects.filter(application=line.application).first()
    return {
        "line": line,
        "application": line.application,
        "period": period,
        "countdown": countdown.for_line(period, line) if period else None,
        "rows": rows,
        "history": Deliverable.objects.filter(line=line, is_current=False).select_related("file"),
        "review": last_review(line),
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
                row = deliverables.upload(line, kind, form.cleaned_data["file"], request.user)
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
    "specification": (specification_template, "鉴定要素细目表模板.xlsx"),
    "theory": (theory_template, "理论知识试题模板.xlsx"),
}


@login_required
def line_template(request: HttpRequest, line_pk: int, kind: str) -> HttpResponse:
    _own_line(request, line_pk)
    if kind not in TEMPLATES:
        raise Http404
    build, name = TEMPLATES[kind]
    response = HttpResponse(build(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _readable_line(request: HttpRequest, line_pk: int) -> ApplicationOccupation:
    """The line for its applicant (letter signed) or the reviewing province staff; 404 else."""
    if has_role(request.user, Role.PROVINCE_STAFF):
        return _reviewed_line(request, line_pk)
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
def line_review(request: HttpRequest, line_pk: int) -> HttpResponse:
    line = _reviewed_line(request, line_pk)
    form = BankDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = {"pass": "pass_bank", "fail": "fail_bank"}.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
        data = {"reason": form.cleaned_data["reason"].strip()}
        # The reason was checked; the engine's check next; then the server asks (no browser
        # dialog on this page: it would ask before the form is checked).
        return run(
            request,
            lambda: perform(line, action, request.user, **data),
            back=reverse("cultivation:line_review", args=[line.pk]),
            success=_("已记录审核结果。"),
            question=workflow_of(line).table[action].confirm,
            precheck=lambda: check(line, action, request.user, data),
            refused=lambda refusals: _review_page(request, line, form, refusals),
        )
    return _review_page(request, line, form, [])


def _review_page(
    request: HttpRequest,
    line: ApplicationOccupation,
    form: BankDecisionForm,
    refusals: list[Refusal],
) -> HttpResponse:
    for refusal in refusals:
        form.add_error(None, refusal.shown)
    context = _line_context(line)
    context.update(form=form, can_decide=line.status == ApplicationOccupation.Status.BANK_SUBMITTED)
    return render(request, "cultivation/line_review.html", context)


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
