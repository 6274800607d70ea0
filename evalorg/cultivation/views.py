"""Cultivation pages: the commitment letter (the applicant signs; anyone who sees the case may
read the signed PDF) and the staff's exam-administration training records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from evalorg.applications import access
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import TransitionRefused
from evalorg.core import audit
from evalorg.core.context import client_ip

from .commitment import commitment_pdf_bytes, letter_text, sign, signed_letter
from .forms import AttendanceForm, SessionForm, SignForm
from .models import TrainingAttendance
from .training import institutions_for, require_training_staff, sessions_for


def _case(request: HttpRequest, pk: int) -> Application:
    qs = Application.objects.select_related("institution", "round")
    return access.get_for_user(qs, request.user, pk)


@login_required
def commitment(request: HttpRequest, pk: int) -> HttpResponse:
    application = _case(request, pk)
    letter = signed_letter(application)
    if letter is None and not access.is_own(application, request.user):
        raise Http404  # staff read the signed letter; only the applicant signs
    form = SignForm(request.POST or None)
    if request.method == "POST" and letter is None and form.is_valid():
        try:
            sign(application, request.user, form.cleaned_data["signed_name"], client_ip(request))
        except TransitionRefused as refused:
            for refusal in refused.refusals:
                form.add_error("signed_name", str(refusal))
        else:
            messages.success(request, _("承诺书已签署。"))
            return redirect("applications:detail", application.pk)
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


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    require_training_staff(request.user)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save(commit=False)
            session.organiser_id = request.user.agency_id
            session.created_by = request.user
            session.save()
            audit.record("training_session_created", session, actor=request.user)
        messages.success(request, _("考务培训已创建，请登记参训情况。"))
        return redirect("cultivation:training", session.pk)
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
        try:
            with transaction.atomic():
                row = TrainingAttendance.objects.create(
                    session=session,
                    institution=data["institution"],
                    attendee_name=data["attendee_name"].strip(),
                    attended=data["attended"],
                    recorded_by=request.user,
                )
                audit.record(
                    "training_attendance_recorded",
                    session,
                    actor=request.user,
                    data={"attendance": row.pk, "institution": row.institution_id},
                )
        except IntegrityError:
            form.add_error("attendee_name", _("该人员已登记。"))
        else:
            messages.success(request, _("已登记。"))
            return redirect("cultivation:training", session.pk)
    rows = session.attendances.select_related("institution")
    context = {"session": session, "rows": rows, "form": form}
    return render(request, "cultivation/training_detail.html", context)
