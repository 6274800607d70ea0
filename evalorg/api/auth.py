"""Bearer-token authentication for the staff endpoints (issue 13)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from evalorg.accounts import ratelimits, tokens
from evalorg.accounts.models import ApiToken


class TokenGuessing(Exception):
    """Too many wrong tokens from one address (answered 429 by ``api.main``)."""


class StaffToken(HttpBearer):
    """``Authorization: Bearer eo_…``: a live personal token of a staff member. The request
    then acts as the token's user (``request.user``), with the same scopes as the pages; every
    use is audited. A missing, unknown, expired or revoked token gets 401."""

    openapi_description = "工作人员在“个人设置”页面创建的个人 API 令牌（只读或读写）。"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        # Guessing is throttled per address (issue 21 item 8): past the limit of wrong tokens
        # no token is even looked up, and the answer is 429.
        if ratelimits.exceeded(request, ratelimits.API_TOKEN_FAILURES):
            raise TokenGuessing
        api_token = tokens.authenticate(token)
        if api_token is None:
            ratelimits.count(request, ratelimits.API_TOKEN_FAILURES)
            return None
        request.user = api_token.user
        request.api_token = api_token
        tokens.record_use(api_token, request.method or "", request.path)
        return api_token
