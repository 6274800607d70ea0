"""Confirmation of irreversible actions (issue #10).

A button or form carrying ``data-confirm="…"`` asks in a browser dialog
(``static/js/confirm.js``) and, when the user agrees, sets the form's hidden ``confirm`` field
to ``yes``. The server refuses a POST without it: ``ask_confirmation()`` answers with a page
that repeats the question and re-posts the same fields with ``confirm=yes``, so nothing changes
until the user has said yes, with or without JavaScript.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FIELD = "confirm"
YES = "yes"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(FIELD) == YES


def ask_confirmation(request: HttpRequest, question: str, *, back: str = "") -> HttpResponse:
    """The two-step confirm page: the question, and the same POST again with ``confirm=yes``."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (FIELD, "csrfmiddlewaretoken")
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {"question": question, "fields": fields, "action": request.get_full_path(), "back": back},
        status=409,
    )


def unless_confirmed(request: HttpRequest, question: str, *, back: str = "") -> HttpResponse | None:
    """None when the POST carries the confirmation (or there is nothing to confirm), otherwise
    the confirm page to return instead of acting."""
    if not question or confirmed(request):
        return None
    return ask_confirmation(request, question, back=back)
