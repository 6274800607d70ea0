"""Public endpoints, no key (N-4.1.3, N-5.2): the registry, publicity notices, rounds.

Only what the public pages show: no personal data. Paginated, filterable, with ``ETag``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.decorators import decorate_view

from evalorg.core import clock
from evalorg.filing import registry
from evalorg.publicity.models import PUBLIC_NOTICE_STATES, NoticeEntry, PublicityNotice
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import not_simulated

from .etag import with_etag
from .schemas import (
    Error,
    Id,
    NoticeOut,
    NoticePage,
    Page,
    PageSize,
    QueryText,
    RegistryPage,
    RoundPage,
)

router = Router(tags=["公开数据（无需令牌）"])


def page_of(items, page: int, page_size: int) -> tuple[int, list]:
    """(count, the page's rows) of a queryset: two queries whatever the page."""
    start = (page - 1) * page_size
    return items.count(), list(items[start : start + page_size])


@router.get(
    "/registry",
    response=RegistryPage,
    summary="已备案社会培训评价组织名录",
    description=(
        "一条记录对应一份备案函（N-5.2），字段与 /public/registry.json 相同，不含个人信息。"
        "响应带 ETag，请求带 If-None-Match 且未变化时返回 304。"
    ),
)
@decorate_view(with_etag)
def registry_list(
    request: HttpRequest,
    q: QueryText = Query("", description="机构名称（包含）或统一社会信用代码（完全一致）"),
    city: QueryText = Query("", description="地级以上市行政区划代码，如 440100"),
    occupation: QueryText = Query("", description="职业编码或职业名称（包含）"),
    level: QueryText = Query("", description="技能等级 1–5"),
    page: Page = 1,
    page_size: PageSize = 20,
):
    params = {"q": q, "city": city, "occupation": occupation, "level": level}
    count, letters = page_of(registry.search(params), page, page_size)
    today = clock.today()
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [registry.row(letter, today) for letter in letters],
    }


def _notices():
    return (
        PublicityNotice.objects.filter(status__in=PUBLIC_NOTICE_STATES)
        .filter(not_simulated("round__"))
        .select_related("round")
        .prefetch_related(Prefetch("entries", queryset=NoticeEntry.objects.order_by("order")))
    )


def _notice(notice: PublicityNotice) -> dict:
    return {
        "id": notice.pk,
        "round": notice.round.code,
        "title": notice.title,
        "body": notice.body,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "working_days": notice.working_days,
        "objections_to": notice.objections_to,
        "status": notice.status_label(),
        "published_at": notice.published_at,
        "entries": [
            {
                "order": e.order,
                "name": e.name,
                "city": e.city,
                "category": e.category,
                "occupations": e.occupations,
            }
            for e in notice.entries.all()
        ],
    }


@router.get(
    "/notices",
    response=NoticePage,
    summary="公示公告",
    description="已发布的公示（N-4.1.3），新的在前；可按遴选批次筛选。响应带 ETag。",
)
@decorate_view(with_etag)
def notice_list(
    request: HttpRequest,
    round: QueryText = Query("", description="遴选批次编码"),
    page: Page = 1,
    page_size: PageSize = 20,
):
    notices = _notices()
    if round:
        notices = notices.filter(round__code=round)
    count, rows = page_of(notices, page, page_size)
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_notice(n) for n in rows],
    }


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeOut, 404: Error},
    summary="一份公示",
    description="已发布的一份公示及其机构名单。响应带 ETag。",
)
@decorate_view(with_etag)
def notice_detail(request: HttpRequest, notice_id: Id):
    notice = _notices().filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return _notice(notice)


@router.get(
    "/rounds",
    response=RoundPage,
    summary="遴选批次及其日期",
    description="各年度遴选批次的通知日期、申报截止和地市推荐截止日期等（SPEC §2）。响应带 ETag。",
)
@decorate_view(with_etag)
def round_list(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100, description="年度"),
    page: Page = 1,
    page_size: PageSize = 20,
):
    rounds = Round.objects.filter(not_simulated()).order_by("-published_on", "-pk")
    if year is not None:
        rounds = rounds.filter(year=year)
    count, rows = page_of(rounds, page, page_size)
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [
            {
                "code": r.code,
                "name": r.name,
                "year": r.year,
                "published_on": r.published_on,
                "application_deadline": r.application_deadline,
                "city_assessment_deadline": r.city_assessment_deadline,
                "publicity_working_days": r.publicity_working_days,
                "cultivation_days": r.cultivation_days,
                "accepting_applications": r.is_accepting_applications(),
            }
            for r in rows
        ],
    }
