"""Who and where the current request comes from, for the audit log."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestMeta:
    user: Any = None
    ip: str | None = None
    user_agent: str = ""


_NO_REQUEST = RequestMeta()
_current: ContextVar[RequestMeta | None] = ContextVar("evalorg_request_meta", default=None)


def current_request_meta() -> RequestMeta:
    return _current.get() or _NO_REQUEST


def client_ip(request: Any) -> str | None:
    # Behind the reverse proxy the deployment sets REMOTE_ADDR correctly (docs/deployment.md);
    # X-Forwarded-For is not trusted here because any client can forge it.
    return request.META.get("REMOTE_ADDR") or None


def bind_request(request: Any) -> Token[RequestMeta | None]:
    """Set the meta for ``request``; returns a token for ``reset``."""
    user = getattr(request, "user", None)
    meta = RequestMeta(
        user=user if user is not None and user.is_authenticated else None,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return _current.set(meta)


def reset(token: Any) -> None:
    _current.reset(token)
