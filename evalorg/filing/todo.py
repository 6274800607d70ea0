"""The home page's to-do items of acceptance batches (N-4.3): the department sees the batches
waiting for the leadership's approval, the center the approved ones still to issue or
publish. One query per page, whatever the number of batches."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evalorg.accounts.models import Role
from evalorg.accounts.navigation import TodoItem
from evalorg.selection.models import LeadershipApproval

Status = LeadershipApproval.Status
TODO = {
    Role.DEPARTMENT: (Status.PROPOSED, _("待审定的验收批次")),
    Role.PROVINCE_STAFF: (Status.APPROVED, _("已审定、待签发备案函或公布的验收批次")),
}


def todo_for(user) -> list[TodoItem]:
    status, label = TODO.get(user.role, (None, ""))
    if status is None:
        return []
    count = LeadershipApproval.objects.filter(
        kind=LeadershipApproval.Kind.ACCEPTANCE, status=status
    ).count()
    if not count:
        return []
    return [TodoItem(label=str(label), url=reverse("filing:batches"), count=count)]
