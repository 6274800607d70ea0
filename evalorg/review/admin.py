from django.contrib import admin

from .models import ExpertProfile, Panel, PanelMember, Scoresheet


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "employer_name", "employer_uscc", "city", "title")
    list_filter = ("city",)
    search_fields = ("user__username", "user__full_name", "employer_name", "employer_uscc")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "city")


class PanelMemberInline(admin.TabularInline):
    model = PanelMember
    extra = 0
    autocomplete_fields = ("expert",)


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "round", "stage", "created_at")
    list_filter = ("stage", "round")
    search_fields = ("name", "agency__name")
    list_select_related = ("agency", "round")
    inlines = [PanelMemberInline]


@admin.register(Scoresheet)
class ScoresheetAdmin(admin.ModelAdmin):
    """Read-only: scores change only through the expert's page and the staff's reopen."""

    list_display = ("application", "expert", "panel", "status", "opinion", "version", "updated_at")
    list_filter = ("status", "opinion", "panel__stage")
    search_fields = ("application__institution__name", "expert__username", "expert__full_name")
    list_select_related = ("application__institution", "expert", "panel")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
