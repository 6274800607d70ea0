"""Who may download a filing letter: the organization itself (the case's applicant), the
provincial center and the department, and the city agency of the case (the one that received
it, or the organization's city, which supervises it locally, N-5.2)."""

from __future__ import annotations

from typing import Any

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications import access

from .models import FilingLetter

# The per-object policy (accounts.permissions) the download views ask; registered in ready().
DOWNLOAD_LETTER = "filing.download_letter"


def is_staff_reader(letter: FilingLetter, user: Any) -> bool:
    if has_role(user, Role.PROVINCIAL):
        return True
    if not has_role(user, Role.CITY_STAFF) or user.agency_id is None:
        return False
    application = letter.application
    return application.receiving_agency_id == user.agency_id or (
        application.institution.city_id is not None
        and application.institution.city_id == user.agency.division_id
    )


def may_download(letter: FilingLetter, user: Any) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return access.is_own(letter.application, user) or is_staff_reader(letter, user)
