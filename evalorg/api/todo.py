"""``/api/todo`` (issue 19): the home page's to-do list as JSON, from the same ``core.todo``:
what the user can act on now, grouped by stage, with counts, deadlines and the pages' links.

Staff call it with their personal token as the other staff endpoints; applicants and experts,
who hold no token, from their logged-in browser session. Anyone else gets 401."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from evalorg.core.todo import Group, TodoItem, todo_groups

from .auth import StaffToken
from .schemas import Error, TodoOut

router = Router(tags=["待办事项"])


def _item(item: TodoItem) -> dict[str, Any]:
    return {
        "stage": item.stage,
        "kind": item.kind,
        "actions": list(item.actions),
        "title": item.title,
        "url": item.url,
        "deadline": item.deadline,
        "workflow": item.workflow,
        "id": item.pk,
    }


def _group(group: Group) -> dict[str, Any]:
    return {
        "stage": group.stage,
        "label": group.label,
        "count": group.count,
        "kinds": [{"kind": k.kind, "count": k.count} for k in group.kinds],
        "items": [_item(item) for item in group.items],
    }


@router.get(
    "/todo",
    response={200: TodoOut, 401: Error},
    auth=[StaffToken(), django_auth],
    summary="我的待办事项",
    description=(
        "当前用户现在可以办理的事项，与首页的待办事项相同：按阶段分组，含各类事项数、"
        "每项的截止日期和办理页面。工作人员用个人令牌，申请机构和评审专家用登录会话。"
    ),
)
def todo(request: HttpRequest):
    groups = todo_groups(request.user)
    return {"count": sum(g.count for g in groups), "groups": [_group(g) for g in groups]}
