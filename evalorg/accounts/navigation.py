"""Role-aware navigation and to-do lists.

Stage apps register their menu entries and to-do providers here, so the accounts app imports
no stage (DESIGN.md: imports point down the process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from .permissions import has_role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    # Optional count shown as a badge (e.g. unread messages): one query for the page.
    badge: Callable[[Any], int] | None = None


@dataclass(frozen=True)
class TodoItem:
    label: str
    url: str
    count: int | None = None


TodoProvider = Callable[[object], list[TodoItem]]
_nav: list[NavItem] = []
_todo: list[TodoProvider] = []


def register_nav(item: NavItem) -> None:
    if item not in _nav:
        _nav.append(item)
        _nav.sort(key=lambda i: i.order)


def register_todo(provider: TodoProvider) -> None:
    if provider not in _todo:
        _todo.append(provider)


def nav_for(user) -> list[dict[str, Any]]:
    items = []
    for item in _nav:
        if has_role(user, item.roles) or (user.is_authenticated and user.is_superuser):
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            badge = item.badge(user) if item.badge else 0
            items.append({"label": item.label, "url": url, "badge": badge})
    return items


def todo_items(user) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _todo:
        items.extend(provider(user))
    return items


# Home-page dashboard sections (issue #10): a stage renders its own section for the user's
# role (counts, deadlines, charts, recent messages); ``None`` when it has nothing to show.
DashboardProvider = Callable[[Any], "str | None"]
_dashboard: list[tuple[int, DashboardProvider]] = []


def register_dashboard(order: int, provider: DashboardProvider) -> None:
    if all(p is not provider for _o, p in _dashboard):
        _dashboard.append((order, provider))
        _dashboard.sort(key=lambda pair: pair[0])


def dashboard_sections(request) -> list[str]:
    return [html for _o, p in _dashboard if (html := p(request))]
