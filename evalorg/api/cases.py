"""Staff endpoints (issue 13): the cases in the token user's scope, their state and stage
records, the actions the user may take now, and performing one through the same ``perform()``.

Scope and refusals are the pages' own: ``applications.access.scope_applications`` (another
city's case is 404, as on the pages) and the workflow table's roles, relations and guards.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from evalorg.applications import workflow
from evalorg.applications.access import scope_applications
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core.workflow import allows
from evalorg.review.models import ReviewStage

from .auth import StaffToken
from .schemas import (
    ActionIn,
    ActionName,
    CaseDetail,
    CasePage,
    Error,
    Id,
    Me,
    Page,
    PageSize,
    QueryText,
)

router = Router(tags=["工作人员（需令牌）"], auth=StaffToken())

StateParam = QueryText


class ApiRefused(Exception):
    """An API refusal: HTTP status and the refusals with their clauses."""

    def __init__(self, status: int, refusals: list[workflow.Refusal]):
        self.status = status
        self.refusals = refusals
        super().__init__("；".join(str(r) for r in refusals))

    def body(self) -> dict:
        return {
            "detail": "；".join(str(r) for r in self.refusals),
            "refusals": [{"clause": r.clause, "message": r.message} for r in self.refusals],
        }


def _cases(user) -> QuerySet[Application]:
    lines = ApplicationOccupation.objects.select_related("occupation").order_by(
        "occupation_id", "-level"
    )
    stages = ReviewStage.objects.select_related("agency").order_by("opened_at", "pk")
    return scope_applications(
        Application.objects.select_related("round", "institution__city", "receiving_agency"),
        user,
    ).prefetch_related(
        Prefetch("occupations", queryset=lines), Prefetch("review_stages", queryset=stages)
    )


def _case(application: Application) -> dict:
    institution = application.institution
    return {
        "id": application.pk,
        "acknowledgement_no": application.acknowledgement_no,
        "round": application.round.code,
        "kind": application.kind,
        "institution": {
            "name": institution.name,
            "uscc": institution.uscc,
            "city": institution.city.name if institution.city else "",
            "category": str(institution.get_category_display()),
        },
        "receiving_agency": str(application.receiving_agency or ""),
        "state": application.state,
        "state_label": str(application.get_state_display()),
        "submitted_at": application.submitted_at,
        "lines": [
            {
                "occupation_code": line.occupation_id,
                "occupation_name": line.occupation.name,
                "level": line.level,
                "level_label": str(line.get_level_display()),
                "status": line.status,
                "status_label": str(line.get_status_display()),
            }
            for line in application.occupations.all()
        ],
        "stages": [
            {
                "stage": stage.stage,
                "stage_label": str(stage.get_stage_display()),
                "agency": stage.agency.name,
                "opened_at": stage.opened_at,
                "recommended": stage.recommended,
                "rank": stage.rank,
                "total": float(stage.total) if stage.total is not None else None,
                "decided_at": stage.decided_at,
                "sent_at": stage.sent_at,
            }
            for stage in application.review_stages.all()
        ],
    }


def _detail(application: Application, user) -> dict:
    return _case(application) | {
        "available_actions": [
            {"action": t.action, "label": str(t.label), "needs_reason": t.needs_reason}
            for t in workflow.available_actions(application, user)
        ]
    }


def _load(request: HttpRequest, case_id: int) -> Application:
    application = _cases(request.user).filter(pk=case_id).first()
    if application is None:
        raise Http404
    return application


@router.get("/me", response=Me, summary="当前令牌的用户", description="令牌属于谁、角色和权限。")
def me(request: HttpRequest):
    user, token = request.user, request.auth
    return {
        "username": user.username,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "agency": str(user.agency or ""),
        "token_scope": token.scope,
        "token_expires_at": token.expires_at,
    }


@router.get(
    "/cases",
    response=CasePage,
    summary="我可查看的案卷",
    description=(
        "与页面相同的查看范围（SPEC §1）：地市只看本市受理的案卷，省中心看本中心受理和各市报送的，"
        "省人社厅看全部已提交的。可按状态和遴选批次筛选。"
    ),
)
def case_list(
    request: HttpRequest,
    state: StateParam = Query("", description="案卷状态（英文标识），如 submitted"),
    round: QueryText = Query("", description="遴选批次编码"),
    page: Page = 1,
    page_size: PageSize = 20,
):
    cases = _cases(request.user).order_by("-submitted_at", "-pk")
    if state:
        cases = cases.filter(state=state) if state in State.values else cases.none()
    if round:
        cases = cases.filter(round__code=round)
    start = (page - 1) * page_size
    count = cases.count()
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [_case(a) for a in cases[start : start + page_size]],
    }


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetail, 404: Error},
    summary="一份案卷及当前可执行的操作",
    description="不在查看范围内的案卷返回 404（不透露其是否存在）。",
)
def case_detail(request: HttpRequest, case_id: Id):
    return _detail(_load(request, case_id), request.user)


@router.post(
    "/cases/{case_id}/actions/{action}",
    response={200: CaseDetail, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="执行一项审核操作",
    description=(
        "经由与页面相同的 perform()：同样的角色、关系和条件检查，拒绝时返回依据条款。"
        "400：未知操作或缺少理由；403：只读令牌或无权执行；409：当前状态或条件不允许。"
    ),
)
def case_action(request: HttpRequest, case_id: Id, action: ActionName, payload: ActionIn):
    application = _load(request, case_id)
    user = request.user
    if not request.auth.can_write:
        raise ApiRefused(403, [workflow.Refusal("SPEC-1", _("只读令牌不能执行操作。"))])
    transition = workflow.TABLE.get(action)
    if transition is None:
        raise ApiRefused(
            400, [workflow.Refusal("SPEC-5", _("未知的操作“%(action)s”。") % {"action": action})]
        )
    if not allows(transition, application, user):
        raise ApiRefused(403, workflow.check(application, action, user, {}))
    reason = payload.reason.strip()
    if transition.needs_reason and not reason:
        raise ApiRefused(400, workflow.check(application, action, user, {}))
    try:
        workflow.perform(application, action, user, **({"reason": reason} if reason else {}))
    except workflow.TransitionRefused as refused:
        raise ApiRefused(409, refused.refusals) from None
    return _detail(_load(request, case_id), user)
