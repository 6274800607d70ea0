from django.contrib import admin

from .models import CultivationPeriod


@admin.register(CultivationPeriod)
class CultivationPeriodAdmin(admin.ModelAdmin):
    list_display = ["application", "starts_on", "last_day", "created_at"]
    readonly_fields = ["application", "starts_on", "last_day", "started_by_batch", "created_at"]
    search_fields = ["application__institution__name"]
