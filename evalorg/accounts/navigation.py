"""Role-aware navigation and the home page's dashboard sections.

Stage apps register their menu entries here, so the accounts app imports no stage (DESIGN.md:
imports point down the process). An entry is shown to the roles its view lets in: the
``role_required`` roles of the view its URL resolves to, so that no entry answers 403 (issue 19
item 2). The to-do list is not registered here: ``core.todo`` derives it from the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, resolve, reverse

from .permissions import has_role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Only for a view without ``role_required``: the roles it lets in, said again here.
    roles: frozenset[str] | None = None
    order: int = 100
    # Optional count shown as a badge (e.g. unread messages): one query for the page.
    badge: Callable[[Any], int] | None = None


_nav: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if item not in _nav:
        _nav.append(item)
        _nav.sort(key=lambda i: i.order)


def entry_roles(item: NavItem, url: str) -> frozenset[str]:
    """Who sees the entry: the roles its view requires, else the entry's own."""
    required: frozenset[str] | None = getattr(resolve(url).func, "required_roles", None)
    roles = required if required is not None else item.roles
    if roles is None:
        raise ImproperlyConfigured(
            f"Navigation entry {item.url_name}: its view has no role_required and the entry "
            "names no roles."
        )
    return roles


def nav_for(user) -> list[dict[str, Any]]:
    items = []
    for item in _nav:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if has_role(user, entry_roles(item, url)):
            badge = item.badge(user) if item.badge else 0
            items.append(
                {"label": item.label, "url": url, "badge": badge, "pinned": bool(item.badge)}
            )
    return items


# The bar's width (issue 22): the entries that fit one row at 1366 px in the medium text size
# (and two at 大, 150 %) stay on the bar; the rest go under "更多", a <details> disclosure. A
# link costs its label's characters plus about one character of padding.
MAIN_ROW_CHARS = 44


def _width(item: dict[str, Any]) -> int:
    return len(str(item["label"])) + 1 + (2 if item["badge"] else 0)


def split_nav(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The entries on the bar, those under "更多", and the badges of the latter summed. An
    entry with a badge (消息) stays on the bar, last, wherever its order puts it."""
    if sum(_width(i) for i in items) <= MAIN_ROW_CHARS:
        return {"main": items, "more": [], "more_badge": 0}
    pinned = [i for i in items if i.get("pinned")]
    budget = MAIN_ROW_CHARS - 3 - sum(_width(i) for i in pinned)  # 3: the "更多" summary
    main: list[dict[str, Any]] = []
    for item in (i for i in items if not i.get("pinned")):
        if budget < _width(item):
            break
        budget -= _width(item)
        main.append(item)
    more = [i for i in items if i not in main and i not in pinned]
    return {"main": main + pinned, "more": more, "more_badge": sum(i["badge"] for i in more)}


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
