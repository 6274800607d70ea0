"""Home-page to-do items for the intake stage."""

from __future__ import annotations

from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.navigation import TodoItem
from evalorg.accounts.permissions import has_role

from .models import Application, State


def todo_for(user) -> list[TodoItem]:
    scoped = Application.objects.for_user(user)
    url = reverse("applications:list")
    if has_role(user, Role.APPLICANT):
        counts = {
            State.DRAFT: "未提交的申请草稿",
            State.RETURNED_FOR_CORRECTION: "被退回补正、需重新提交的申请",
        }
    else:  # staff and experts: the review stage lists their work
        return []
    items = []
    for state, label in counts.items():
        n = scoped.filter(state=state).count()
        if n:
            items.append(TodoItem(label=label, url=url, count=n))
    return items
