from django.contrib import admin

from .models import NoticeEntry, Objection, PublicityNotice


class EntryInline(admin.TabularInline):
    model = NoticeEntry
    extra = 0
    readonly_fields = ["order", "application", "name", "city", "category", "occupations"]
    can_delete = False


@admin.register(PublicityNotice)
class PublicityNoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "starts_on", "ends_on", "status", "published_at"]
    readonly_fields = [
        "status",  # moved by perform() only
        "published_by",
        "published_at",
        "starts_on",
        "ends_on",
        "working_days",
    ]
    inlines = [EntryInline]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["number", "notice", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Objection._meta.fields]
