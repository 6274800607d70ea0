"""The filing letter on the case page: number, dates, occupations and the two downloads.

No case page accepts a case or issues a letter: both come only from an approved acceptance
batch (N-4.3, ``batches.record_approval`` and ``batches.issue_letters`` on the batch page); the
case page tells the center and the department where the case stands in the batches."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from evalorg.accounts import permissions
from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import ApplicationOccupation, State
from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry

from .access import DOWNLOAD_LETTER
from .models import FilingLetter


def letter_section(request: HttpRequest, application) -> str:
    """The case's letters, its filing letter first, then any supplementary letter (lines
    filed after it, N-4.3); and, for the center and the department, where lines passed since
    stand in the acceptance batches."""
    letters = list(
        FilingLetter.objects.filter(application=application)
        .select_related("original")
        .order_by("issued_on", "pk")
    )
    pending = acceptance_section(request, application)
    if not letters:
        return pending
    if not permissions.allowed(request.user, DOWNLOAD_LETTER, letters[0]):
        return ""
    context = {"letter": letters[0], "letters": letters}
    rendered = render_to_string("filing/_case_section.html", context, request=request)
    return mark_safe(rendered + pending)  # both rendered by templates, hence safe


def acceptance_section(request: HttpRequest, application) -> str:
    """For the center and the department, on a case with a line whose bank passed and which is
    not yet filed (a case filed early included): where it stands in the acceptance batches,
    and a link to them; no button (N-4.3)."""
    if not has_role(request.user, Role.PROVINCE_STAFF, Role.DEPARTMENT):
        return ""
    if application.state not in (State.CULTIVATING, State.ACCEPTED, State.FILED):
        return ""
    passed = application.occupations.filter(status=ApplicationOccupation.Status.BANK_PASSED)
    if not passed.exists():
        return ""
    entries = (
        LeadershipApprovalEntry.objects.filter(
            application=application, approval__kind=LeadershipApproval.Kind.ACCEPTANCE
        )
        .select_related("approval")
        .order_by("-pk")
    )
    context = {"application": application, "entries": entries}
    return render_to_string("filing/_acceptance_section.html", context, request=request)


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
