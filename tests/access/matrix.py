"""The machinery of the access matrix: a policy per named route, the URL conf walk, and the
checks one route × role request must pass (tests/test_access_matrix.py holds the policies)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import get_resolver, reverse

from evalorg.core.models import AuditEvent

from .world import ANON, ROLES, World

Builder = Callable[[World], Any]
REFUSED = {401, 403, 404}  # 401: a bearer-token route asked by a session


@dataclass(frozen=True)
class Route:
    """Who may use one named route, on which object, and what a POST that works changes.

    ``allow``: roles let in (GET 200; their POST must change what ``changed`` reads).
    ``reach``: roles that reach the object but whose POST is refused by the workflow's own
    rules (a redirect or a form error is fine; nothing may change).
    Everyone else is refused: 403 or 404 (a redirect to the login page only for anonymous
    users), and nothing changes (audit chain length and ``changed``)."""

    allow: frozenset[str]
    stage: str = "review"  # whose case: OWNER is the applicant of this stage's institution
    args: Builder = lambda w: []
    query: str = ""
    get: bool = True  # False for POST-only routes (their GET answers 405)
    post: Builder | None = None  # a real POST body that would change something
    changed: Builder | None = None  # what a working POST changes (default: the audit chain)
    reach: frozenset[str] = frozenset()
    post_allow: frozenset[str] | None = None  # who may POST, when fewer than ``allow``
    when: datetime | None = None  # the clock for the POST (guards read dates)
    ok: frozenset[int] = frozenset({200})  # what an allowed GET answers

    def url(self, world: World, name: str) -> str:
        return reverse(name, args=self.args(world)) + self.query

    def posters(self) -> frozenset[str]:
        return self.allow if self.post_allow is None else self.post_allow


def allow(*roles: str) -> frozenset[str]:
    return frozenset(roles)


def named_routes() -> set[str]:
    """Every named route of the URL conf (the admin site has its own permission system)."""
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                ns = pattern.namespace
                walk(pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return {n for n in names if not n.startswith("admin:")}


def audit_length() -> int:
    return AuditEvent.objects.count()


def is_login_redirect(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        resolve_url(settings.LOGIN_URL)
    )


def assert_refused(response: HttpResponse, role: str, *, post: bool = False) -> None:
    """403/404 (405 for a GET of a POST-only route); anonymous users may be sent to log in."""
    status = response.status_code
    if role == ANON and is_login_redirect(response):
        return
    allowed = REFUSED | ({405} if not post else set())
    where = response.get("Location", "")
    assert status in allowed, f"{role} was not refused: {status} {where}".strip()


def assert_let_in(response: HttpResponse, route: Route, role: str) -> None:
    status = response.status_code
    if status == 302:
        assert not is_login_redirect(response), f"{role} was sent to log in"
    assert status in route.ok, f"{role} was not let in: {status} {response.get('Location', '')}"


def roles_of(routes: dict[str, Route]) -> list[tuple[str, str]]:
    return [(name, role) for name in sorted(routes) for role in ROLES]


def post_cases(routes: dict[str, Route]) -> list[tuple[str, str]]:
    return [(name, role) for name in sorted(routes) if routes[name].post for role in ROLES]


@dataclass
class Figures:
    """The matrix's own size, for the report and docs/security.md."""

    routes: int = 0
    gets: int = 0
    posts: int = 0
    positive_gets: int = 0
    positive_posts: int = 0
    post_routes: list[str] = field(default_factory=list)


def figures(routes: dict[str, Route]) -> Figures:
    f = Figures(routes=len(routes))
    for name, route in routes.items():
        f.gets += len(ROLES)  # a POST-only route's GET must answer 405 or refuse
        if route.get:
            f.positive_gets += len(route.allow)
        if route.post:
            f.posts += len(ROLES)
            f.positive_posts += len(route.posters())
            f.post_routes.append(name)
    return f
