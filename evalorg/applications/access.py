"""Who may see which application (SPEC §1): scoped querysets and object checks."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role

EDITABLE_STATES = {"draft", "returned_for_correction"}

Scope = Callable[[QuerySet, object], QuerySet]

# Higher stages add scopes for the roles they serve (review: experts see their panels' cases;
# the provincial center sees what cities sent it). Scopes of one role compose: a user sees the
# union of what each scope grants.
_extra_scopes: dict[str, list[Scope]] = {}


def register_scope(role: str, scope: Scope) -> None:
    scopes = _extra_scopes.setdefault(role, [])
    if scope in scopes:
        raise ImproperlyConfigured(f"Access scope {scope!r} is registered twice for {role}.")
    scopes.append(scope)


def _own_institution_id(user) -> int | None:
    """The applicant's institution, as ``institution_of`` finds it, without loading the
    institution's row (each of the applicant's requests checks this)."""
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.institution_id if membership else None


def _own_scope(qs: QuerySet, user) -> QuerySet:
    """What the role sees by itself, before any stage adds to it."""
    if has_role(user, Role.APPLICANT):
        institution_id = _own_institution_id(user)
        return qs.filter(institution_id=institution_id) if institution_id else qs.none()
    if has_role(user, Role.REVIEWING_STAFF):
        return qs.filter(receiving_agency_id=user.agency_id).exclude(state="draft")
    if has_role(user, Role.DEPARTMENT):
        return qs.exclude(state="draft")
    return qs.none()


def scope_applications(qs: QuerySet, user) -> QuerySet:
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser or has_role(user, Role.ADMIN):
        return qs
    parts = [_own_scope(qs, user)] + [scope(qs, user) for scope in _extra_scopes.get(user.role, [])]
    return reduce(operator.or_, parts)


def get_for_user(qs: QuerySet, user, pk: int):
    """The application if ``user`` may see it, else 404 (never reveal that it exists)."""
    obj = scope_applications(qs, user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def is_own(application, user) -> bool:
    # The role first: staff never pay for the membership lookup.
    if not has_role(user, Role.APPLICANT):
        return False
    return application.institution_id == _own_institution_id(user)


def is_receiving_staff(application, user) -> bool:
    return (
        has_role(user, Role.REVIEWING_STAFF)
        and application.receiving_agency_id is not None
        and application.receiving_agency_id == user.agency_id
    )


def can_edit(application, user) -> bool:
    return is_own(application, user) and application.state in EDITABLE_STATES
