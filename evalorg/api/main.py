"""The REST API (issue 13): OpenAPI at /api/openapi.json, Swagger UI at /api/docs (its JS and
CSS come from django-ninja's own static files, served by WhiteNoise: no CDN)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from . import cases, public, todo
from .auth import TokenGuessing
from .errors import in_chinese


class ChineseJSON(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSON(),
    title="EvalOrg 开放接口",
    version="1.0",
    description=(
        "广东省社会培训评价组织遴选备案系统的 REST API。公开数据（备案名录、公示、遴选批次）"
        "无需令牌；工作人员接口使用“个人设置”页面创建的个人令牌，"
        "以 `Authorization: Bearer eo_…` 调用，查看范围和可执行的操作与页面相同。"
        "字段名为英文，说明为中文；拒绝时返回依据条款（如 N-4.1.3、SPEC-5）。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/public", public.router)
api.add_router("/", cases.router)
api.add_router("/", todo.router)


@api.exception_handler(cases.ApiRefused)
def refused(request: HttpRequest, exc: cases.ApiRefused):
    return api.create_response(request, exc.body(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(
        request, {"detail": "未找到，或您无权查看（SPEC-1）。", "refusals": []}, status=404
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    response = api.create_response(
        request,
        {
            "detail": (
                "需要有效的 API 令牌：Authorization: Bearer 令牌（缺失、错误、已过期或已撤销）。"
            ),
            "refusals": [],
        },
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(TokenGuessing)
def guessing(request: HttpRequest, exc: TokenGuessing):
    return api.create_response(
        request,
        {"detail": "错误的 API 令牌过多，请稍后再试（ASVS 6.3）。", "refusals": []},
        status=429,
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError):
    return api.create_response(
        request,
        {"detail": "请求参数不符合接口说明。", "errors": in_chinese(exc.errors)},
        status=422,
    )
