"""The organization's home page: the sanctions in force on it, with their clause (N-5.2)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

from .models import Sanction
from .sanctions import sanctions_for, with_rows


def sanctions_in_force(request: HttpRequest) -> str | None:
    if not has_role(request.user, Role.APPLICANT):
        return None
    rows = list(with_rows(sanctions_for(request.user)).filter(status=Sanction.Status.EFFECTIVE))
    if not rows:
        return None
    return render_to_string("sanctions/_in_force.html", {"sanctions": rows}, request=request)
