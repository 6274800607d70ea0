"""Personal API tokens (issue 13): create, authenticate, revoke; every step audited.

A token is ``eo_`` + 32 random bytes (URL-safe base64). Only its SHA-256 is stored: the secret
has 256 bits of entropy, so a fast hash is enough (a slow password hash protects guessable
secrets, not random ones) and lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from evalorg.core import audit, clock
from evalorg.core.audit import Audience

from .models import ApiToken, Role, User

PREFIX = "eo_"
VALIDITY_DAYS = (30, 90, 180, 365)


class TokenRefused(Exception):
    """Why a token cannot be created (a Chinese message citing the rule)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_hold_tokens(user: User) -> bool:
    return user.is_active and user.has_role(Role.TOKEN_HOLDERS)


def create(user: User, *, name: str, scope: str, days: int) -> NewToken:
    if not may_hold_tokens(user):
        raise TokenRefused(_("只有评价指导机构和省人社厅的工作人员可以创建 API 令牌。"))
    name = name.strip()
    if not name or len(name) > 60:
        raise TokenRefused(_("请填写令牌用途（不超过 60 个字）。"))
    if scope not in ApiToken.Scope.values:
        raise TokenRefused(_("令牌权限只能是只读或读写。"))
    if days not in VALIDITY_DAYS:
        raise TokenRefused(_("有效期只能选择 30、90、180 或 365 天。"))
    secret = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            key_hash=digest(secret),
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit.record(
            "api_token_created",
            token,
            actor=user,
            data={"name": name, "scope": scope, "days": days},
            audience=Audience.INTERNAL,
        )
    return NewToken(token, secret)


def revoke(user: User, pk: int) -> ApiToken | None:
    """Revoke one of ``user``'s own tokens; ``None`` when it is not theirs (or already gone)."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(user=user, pk=pk, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            return None
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token_revoked", token, actor=user, audience=Audience.INTERNAL)
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The live token for ``secret`` (not revoked, not expired, its user still a staff member),
    else ``None``."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user__agency").filter(key_hash=digest(secret)).first()
    if token is None or token.revoked_at is not None or token.expires_at <= clock.now():
        return None
    if not may_hold_tokens(token.user):
        return None
    return token


def record_use(token: ApiToken, method: str, path: str) -> None:
    """Every use is audited (issue 13) and stamps ``last_used_at``."""
    now = clock.now()
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        audit.record(
            "api_token_used",
            token,
            actor=token.user,
            data={"method": method, "path": path[:200], "scope": token.scope},
            audience=Audience.INTERNAL,
        )
