"""The one permission layer (issue 18, SPEC §1): who may open a page or touch an object.

Three questions, one way each:

- **Which role?** ``has_role(user, Role.REVIEWING_STAFF)`` (anonymous users hold no role) or the
  ``role_required`` decorator on a view. Role sets are named once, on ``Role``.
- **Which object?** A per-object *policy*, registered by the app that owns the object the way
  case scopes are (``applications.access.register_scope``): ``register_policy(name, fn)`` in the
  app's ``ready()``, asked with ``allowed(user, name, obj)`` or ``require(...)`` (403 with the
  policy's Chinese message). Registering a name twice raises at start-up.
- **Which action?** The workflow table (``core.workflow.available_actions`` / ``perform``):
  pages show exactly the buttons the engine would accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import has_role, role_names

__all__ = ["allowed", "has_role", "policy", "register_policy", "require", "role_required"]

View = TypeVar("View", bound=Callable[..., HttpResponse])
Predicate = Callable[[Any, Any], bool]


def role_required(*roles: str | Iterable[str], message: Any = "") -> Callable[[View], View]:
    """The view answers only users holding one of ``roles``: an anonymous visitor goes to the
    login page, anyone else gets the 403 page with ``message`` (or the general one). The roles
    are kept on the view (``required_roles``): its navigation entry is shown to them alone."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, *roles):
                raise PermissionDenied(message or _("您的账户角色无权访问此页面。"))
            return view(request, *args, **kwargs)

        # Navigation shows the view's entry to exactly these roles (``navigation.nav_for``).
        wrapper.required_roles = role_names(*roles)  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorate


@dataclass(frozen=True)
class Policy:
    name: str
    predicate: Predicate
    # The 403 page's text when refused, citing the rule.
    message: str
    # Refuse with a 404 instead, so that the object's existence is not revealed.
    hide: bool = False


_policies: dict[str, Policy] = {}


def register_policy(
    name: str, predicate: Predicate, message: str = "", *, hide: bool = False
) -> None:
    """Register the app's rule ``name``: ``predicate(obj, user)``; refused with ``message``
    (403) or, when ``hide``, with a 404 that does not reveal the object exists."""
    if name in _policies:
        raise ImproperlyConfigured(f"Policy {name!r} is registered twice.")
    _policies[name] = Policy(name, predicate, message, hide)


def policy(name: str) -> Policy:
    try:
        return _policies[name]
    except KeyError:
        raise ImproperlyConfigured(f"No policy {name!r} is registered.") from None


def allowed(user: Any, name: str, obj: Any = None) -> bool:
    """Whether the policy ``name`` lets ``user`` at ``obj``; anonymous users never."""
    if user is None or not user.is_authenticated:
        return False
    return bool(policy(name).predicate(obj, user))


def require(user: Any, name: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` (the 403 page, with the policy's message), or ``Http404`` for
    a hiding policy, unless allowed."""
    if allowed(user, name, obj):
        return
    rule = policy(name)
    if rule.hide:
        raise Http404
    raise PermissionDenied(rule.message)
