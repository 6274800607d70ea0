"""The administrator's home page (issue 22, "The demo"): the agencies whose contact phone or
e-mail is still empty, each a link to its admin page, since the portal's contact table shows
only what the administrator fills in. One query whatever the number of agencies."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string

from .models import Agency, Role
from .permissions import has_role


def contacts_to_fill(request: HttpRequest) -> str | None:
    if not has_role(request.user, Role.ADMIN):
        return None
    missing = list(
        Agency.objects.exclude(kind=Agency.Kind.DEPARTMENT)
        .filter(Q(phone="") | Q(email=""))
        .order_by("code")
    )
    if not missing:
        return None
    return render_to_string(
        "accounts/_contacts_to_fill.html", {"agencies": missing}, request=request
    )
