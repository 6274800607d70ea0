"""The filing letter on the case page: number, dates, occupations and the two downloads.

No case page issues a letter: letters come only from an approved acceptance batch (N-4.3,
``batches.issue_letters`` on the batch page)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from .access import may_download
from .models import FilingLetter


def letter_section(request: HttpRequest, application) -> str:
    letter = FilingLetter.objects.filter(application=application).first()
    if letter is None or not may_download(letter, request.user):
        return ""
    return render_to_string("filing/_case_section.html", {"letter": letter}, request=request)


def supervision_section(request: HttpRequest, application) -> str:
    """The organization's supervision notes on the case page, for the staff who supervise it
    (the applicant and anyone else get nothing)."""
    from .supervision import may_write, notes_of, supervised_by

    user = request.user
    if not supervised_by(user).filter(pk=application.institution_id).exists():
        return ""
    institution = application.institution
    context = {
        "institution": institution,
        "notes": notes_of(institution)[:5],
        "may_write": may_write(user),
    }
    return render_to_string("filing/_supervision_section.html", context, request=request)
