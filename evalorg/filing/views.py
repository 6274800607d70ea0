"""Downloading a filing letter (DOCX or PDF): the organization and the staff concerned only;
everyone else gets a 404, so a letter's existence is not revealed. Staff reads are audited.
Letters are issued only from an approved acceptance batch (``views_batches.batch_issue``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from evalorg.accounts import permissions
from evalorg.core import audit
from evalorg.core.audit import Audience
from evalorg.core.files import file_response

from .access import DOWNLOAD_LETTER, is_staff_reader
from .models import FilingLetter

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
    permissions.require(request.user, DOWNLOAD_LETTER, letter)
    if is_staff_reader(letter, request.user):
        audit.record(
            "download_filing_letter",
            letter,
            actor=request.user,
            data={"kind": kind, "number": letter.number},
            audience=Audience.STAFF,
        )
    document = getattr(letter, kind)
    if document is None:  # rendered by the task worker after issue (services.render_documents)
        back = reverse("applications:detail", args=[letter.application_id])
        context = {
            "title": f"{letter.get_kind_display()} {letter.number}",
            "format": "Word" if kind == "docx" else "PDF",
            "back": back,
        }
        response = render(request, "documents/being_built.html", context, status=202)
        response["Retry-After"] = "30"
        return response
    return file_response(document)
