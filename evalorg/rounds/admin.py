from django.contrib import admin

from .models import ChecklistItem, Round


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "year",
        "published_on",
        "application_deadline",
        "city_assessment_deadline",
        "is_reference",
    ]
    inlines = [ChecklistInline]
