"""The case page's publicity section: the notice and the objections' outcomes, never who
objected (the objector's identity stays with the provincial center)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

from .lookups import notice_of, objections_against


def publicity_section(request: HttpRequest, application) -> str:
    notice = notice_of(application)
    if notice is None:
        return ""
    outcomes = list(
        objections_against(application, notice).values_list("number", "status", "resolution")
    )
    from .models import Objection

    labels = dict(Objection.Status.choices)
    context = {
        "notice": notice,
        "objections": [
            {"number": number, "status": labels[status], "resolution": resolution}
            for number, status, resolution in outcomes
        ],
        "is_province": has_role(request.user, Role.PROVINCE_STAFF),
    }
    return render_to_string("publicity/_case_section.html", context, request=request)
