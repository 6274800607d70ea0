"""The filing letter on the case page: number, dates, occupations and the two downloads."""

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
