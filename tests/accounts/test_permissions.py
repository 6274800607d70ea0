"""The one permission layer (issue 18 item 3): role sets named once on ``Role``, one way to ask
(``has_role``, ``role_required``, registered per-object policies), and no view comparing roles
by hand."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from evalorg.accounts import permissions
from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role, role_required
from tests.source_search import lines_matching

SETS = ("AGENCY_STAFF", "REVIEWING_STAFF", "REPORT_READERS", "SECOND_FACTOR", "TOKEN_HOLDERS")


def person(role: str) -> User:
    return User(username=f"u-{role}", role=role)


@pytest.mark.parametrize("name", SETS)
def test_role_sets_name_only_real_roles_and_are_not_choices(name: str) -> None:
    members = getattr(Role, name)
    assert members and set(members) <= set(Role.values)
    assert name not in Role.names  # a set is never offered as a user's role


def test_has_role_takes_roles_and_sets() -> None:
    city = person(Role.CITY_STAFF)
    assert has_role(city, Role.CITY_STAFF)
    assert has_role(city, Role.REVIEWING_STAFF)
    assert has_role(city, Role.DEPARTMENT, Role.REVIEWING_STAFF)
    assert city.has_role(Role.AGENCY_STAFF)
    assert not has_role(city, Role.DEPARTMENT)
    assert not has_role(person(Role.APPLICANT), Role.AGENCY_STAFF)
    assert not has_role(AnonymousUser(), Role.APPLICANT)
    assert not has_role(None, Role.APPLICANT)


def _view(request) -> HttpResponse:
    return HttpResponse("ok")


def test_role_required_lets_the_role_in_and_refuses_the_rest() -> None:
    guarded = role_required(Role.REVIEWING_STAFF, message="只限受理机构（SPEC-1）")(_view)
    request = RequestFactory().get("/somewhere/?x=1")

    request.user = person(Role.PROVINCE_STAFF)
    assert guarded(request).content == b"ok"

    request.user = person(Role.DEPARTMENT)
    with pytest.raises(PermissionDenied, match="只限受理机构"):
        guarded(request)

    request.user = AnonymousUser()
    response = guarded(request)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] and "x%3D1" in response["Location"]


def test_policies_are_registered_once_and_asked_per_object() -> None:
    name = "test.own_number"
    permissions.register_policy(name, lambda obj, user: obj == len(user.username), "不是你的")
    try:
        with pytest.raises(ImproperlyConfigured):
            permissions.register_policy(name, lambda obj, user: True, "")
        user = person(Role.APPLICANT)  # "u-applicant": 11 characters
        assert permissions.allowed(user, name, 11)
        assert not permissions.allowed(user, name, 12)
        assert not permissions.allowed(AnonymousUser(), name, 11)
        with pytest.raises(PermissionDenied, match="不是你的"):
            permissions.require(user, name, 12)
        with pytest.raises(ImproperlyConfigured):
            permissions.allowed(user, "test.unknown", 1)
    finally:
        permissions._policies.pop(name)


def test_a_hiding_policy_refuses_with_a_404() -> None:
    """Where an object's existence is itself confidential (a filing letter, a supervised
    organization), the refusal is the same 404 as for an object that does not exist."""
    name = "test.hidden"
    permissions.register_policy(name, lambda obj, user: False, hide=True)
    try:
        with pytest.raises(Http404):
            permissions.require(person(Role.CITY_STAFF), name, 1)
    finally:
        permissions._policies.pop(name)


def test_the_filing_letter_policy_is_registered_by_its_app() -> None:
    from evalorg.filing.access import DOWNLOAD_LETTER, may_download

    registered = permissions.policy(DOWNLOAD_LETTER)
    assert registered.predicate is may_download and registered.hide


COMPARISON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")
# Where comparing a role is the layer itself, or reads a stored event's role (not a user's).
ALLOWED = {
    "accounts/models.py": "has_role itself",
    "core/workflow.py": "the engine's role check (core sits below accounts)",
    "accounts/permissions.py": "the layer",
    "applications/history.py": "an audit event's recorded role, not the user's",
}


def test_no_view_compares_roles_by_hand() -> None:
    found = lines_matching(COMPARISON, ALLOWED)
    assert not found, "ask has_role / role_required instead:\n" + "\n".join(found)


def test_the_search_sees_a_comparison() -> None:
    for line in ("if user.role == Role.CITY_STAFF:", "x = request.user.role in ROLES"):
        assert COMPARISON.search(line), line
    assert not COMPARISON.search("if has_role(user, Role.CITY_STAFF):")
