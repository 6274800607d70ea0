"""Local supervision notes (N-5.2, first step): the list of filed organizations a staff user
supervises and one organization's page with its filing letters and notes (staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

from .models import FilingLetter
from .supervision import (
    NoteForm,
    add_note,
    get_supervised,
    may_write,
    notes_of,
    supervised_by,
    with_note_counts,
)


@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.AGENCY_STAFF):
        raise Http404
    rows = with_note_counts(supervised_by(request.user).select_related("city"))
    return render(request, "filing/supervision_list.html", {"institutions": rows})


@login_required
def supervision(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_supervised(request.user, pk)
    writable = may_write(request.user)
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        if not writable:
            raise Http404
        if form.is_valid():
            add_note(institution, request.user, form.cleaned_data)
            messages.success(request, _("监管记录已保存。"))
            return redirect("filing:supervision", institution.pk)
    letters = FilingLetter.objects.filter(application__institution=institution).order_by(
        "issued_on", "pk"
    )
    context = {
        "institution": institution,
        "letters": letters,
        "notes": notes_of(institution),
        "form": form if writable else None,
    }
    return render(request, "filing/supervision.html", context)
