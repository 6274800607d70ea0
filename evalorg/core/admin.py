from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent, WorkCalendar


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin[WorkCalendar]):
    list_display = ["day", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "day"
    search_fields = ["note"]

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
