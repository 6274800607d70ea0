"""Downloading a filing letter (DOCX or PDF): the organization and the staff concerned only;
everyone else gets a 404, so a letter's existence is not revealed. Staff reads are audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evalorg.accounts.models import Role
from evalorg.applications.access import get_for_user
from evalorg.applications.models import Application
from evalorg.applications.workflow import TransitionRefused
from evalorg.core import audit
from evalorg.core.audit import Audience
from evalorg.core.files import file_response

from .access import is_staff_reader, may_download
from .models import FilingLetter
from .services import issue_letter

KINDS = ("docx", "pdf")


@login_required
@require_GET
def download(request: HttpRequest, pk: int, kind: str):
    if kind not in KINDS:
        raise Http404
    letter = get_object_or_404(
        FilingLetter.objects.select_related(
            "application__institution", "application__receiving_agency", "docx", "pdf"
        ),
        pk=pk,
    )
    if not may_download(letter, request.user):
        raise Http404
    if is_staff_reader(letter, request.user):
        audit.record(
            "download_filing_letter",
            letter,
            actor=request.user,
            data={"kind": kind, "number": letter.number},
            audience=Audience.STAFF,
        )
    return file_response(getattr(letter, kind))


@login_required
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """One case's letter from its page (province staff); acceptance batches call
    ``issue_letter`` for many cases at once."""
    if request.user.role != Role.PROVINCE_STAFF:
        raise Http404
    application = get_for_user(Application.objects.all(), request.user, pk)
    try:
        letter = issue_letter(application, request.user)
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("已签发备案函 %(no)s，机构已收到通知。") % {"no": letter.number}
        )
    return redirect("applications:detail", pk=application.pk)
