from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import audit
from .calendar_data import generate_weekdays
from .models import AuditEvent, WorkCalendar


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin[WorkCalendar]):
    list_display = ["day", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "day"
    search_fields = ["note"]
    actions = ["generate_following_year"]

    @admin.action(description=_("生成所选日期次年的日历（周一至周五为工作日，再逐日修改节假日）"))
    def generate_following_year(
        self, request: HttpRequest, queryset: QuerySet[WorkCalendar]
    ) -> None:
        """Fallback when the State Council's notice cannot be imported (import_holidays)."""
        latest = max(row.day.year for row in queryset)
        year = latest + 1
        created = generate_weekdays(year)
        audit.record(
            "calendar_year_generated",
            actor=request.user,
            data={"year": year, "created": created},
            audience=audit.Audience.STAFF,
        )
        self.message_user(
            request,
            _(
                "已生成 %(year)s 年 %(created)s 天（周一至周五为工作日）。"
                "请按国务院通知逐日修改节假日和调休上班日。"
            )
            % {"year": year, "created": created},
            messages.WARNING,
        )

    def save_model(self, request: HttpRequest, obj: WorkCalendar, form: Any, change: bool) -> None:
        obj.source = "admin"
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["seq", "created_at", "actor_label", "role", "action", "object_type"]
    list_filter = ["action", "role"]
    search_fields = ["object_id", "actor_label", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
