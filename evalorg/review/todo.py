"""Home-page to-do items for the review stage: staff inbox work and experts' sheets."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from evalorg.accounts.models import Role
from evalorg.accounts.navigation import TodoItem
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import Application, State

from .models import Scoresheet

STAFF_TODO = {
    State.SUBMITTED: ("待初审的申请", "review_inbox:inbox"),
    State.VERIFIED: ("初审通过、待专家评估的申请", "review:ranking"),
    State.CITY_ASSESSED: ("待填写推荐意见的申请", "review:ranking"),
    State.RECOMMENDED: ("已推荐、待报送省中心的申请", "review:ranking"),
}


def todo_for(user) -> list[TodoItem]:
    if has_role(user, Role.REVIEWING_STAFF):
        return _staff_items(user)
    if has_role(user, Role.EXPERT):
        return _expert_items(user)
    return []


def _staff_items(user) -> list[TodoItem]:
    counts = dict(
        Application.objects.for_user(user)
        .filter(state__in=list(STAFF_TODO))
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    items = []
    for state, (label, url_name) in STAFF_TODO.items():
        count = counts.get(state, 0)
        if count:
            items.append(TodoItem(label=label, url=reverse(url_name), count=count))
    return items


def _expert_items(user) -> list[TodoItem]:
    assigned = Application.objects.for_user(user).count()
    done = Scoresheet.objects.filter(expert=user, status=Scoresheet.Status.SUBMITTED).count()
    if assigned > done:
        return [TodoItem(label="待评审的申请", url=reverse("expert:home"), count=assigned - done)]
    return []
