from django.contrib import admin

from .models import (
    BankDecision,
    BankReviewAssignment,
    CommitmentLetter,
    CultivationPeriod,
    Reminder,
    TrainingAttendance,
    TrainingSession,
)


@admin.register(CultivationPeriod)
class CultivationPeriodAdmin(admin.ModelAdmin):
    list_display = ["application", "starts_on", "last_day", "created_at"]
    readonly_fields = ["application", "starts_on", "last_day", "started_by_batch", "created_at"]
    search_fields = ["application__institution__name"]


@admin.register(CommitmentLetter)
class CommitmentLetterAdmin(admin.ModelAdmin):
    """Read-only: a signed letter is evidence and never edited."""

    list_display = ["application", "signed_name", "signed_at", "signed_ip"]
    search_fields = ["application__institution__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["period", "kind", "sent_at"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    raw_id_fields = ["institution", "recorded_by"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["held_on", "topic", "organiser", "place", "status"]
    list_filter = ["organiser", "status"]
    inlines = [AttendanceInline]
    raw_id_fields = ["created_by"]
    readonly_fields = ["status"]  # moved by perform() only


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of the expert bank review: evidence, moved by ``perform()`` only (N-4.2)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BankReviewAssignment)
class BankReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["line", "expert", "review_round", "status", "assigned_at", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["line__occupation", "expert"]
    search_fields = ["line__application__institution__name", "expert__full_name"]


@admin.register(BankDecision)
class BankDecisionAdmin(ReadOnlyAdmin):
    list_display = ["line", "review_round", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["line__occupation", "decided_by"]
    search_fields = ["line__application__institution__name"]
