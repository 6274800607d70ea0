"""The ``calendar_next_year`` sweep (issue 23 item 2): from 1 November, while next year's
working-day calendar is missing, the department is told once a week, in-app and by e-mail, to
import the State Council's notice (``manage.py import_holidays``)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.core import audit, clock
from evalorg.core.checks import next_year_due
from evalorg.core.models import AuditEvent

from .services import notify_users, queue_email

ACTION = "calendar_year_reminder"
EVERY = timedelta(days=7)


def _reminded_recently(year: int) -> bool:
    since = clock.now() - EVERY
    return AuditEvent.objects.filter(
        action=ACTION, object_id="", created_at__gte=since, data__year=year
    ).exists()


def sweep_calendar_reminder() -> str:
    year = next_year_due()
    if year is None:
        return "next year's calendar present or not yet due"
    if _reminded_recently(year):
        return f"{year} missing; department reminded within the last 7 days"
    users = list(get_user_model().objects.filter(role=Role.DEPARTMENT, is_active=True))
    subject = _("请录入%(year)s年工作日历") % {"year": year}
    body = _(
        "系统的工作日历尚无%(year)s年。公示期等以工作日计算的期限需要它。请将国务院办公厅"
        "《关于%(year)s年部分节假日安排的通知》交系统管理员，用 import_holidays 命令导入。"
    ) % {"year": year}
    notify_users(users, subject, body=body)
    queue_email([user.email for user in users], subject, body)
    audit.record(
        ACTION,
        data={"year": year, "told": len(users)},
        actor_label="系统",
        audience=audit.Audience.STAFF,
    )
    return f"{year} missing; reminded {len(users)} department account(s)"
