from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import nav_for, split_nav


def navigation(request: HttpRequest) -> dict:
    """The navigation bar, computed only when a template shows it (htmx fragments do not), so
    its badge counts cost one query per page and none per fragment."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav": {"main": [], "more": [], "more_badge": 0}}
    items = SimpleLazyObject(lambda: nav_for(user))
    return {"nav_items": items, "nav": SimpleLazyObject(lambda: split_nav(list(items)))}
