from django.contrib import admin

from .models import Institution, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "category", "level", "city", "is_chain_leader"]
    list_filter = ["category", "level", "is_chain_leader", "city"]
    search_fields = ["name", "uscc"]
    list_select_related = ["city"]
    inlines = [MembershipInline]
