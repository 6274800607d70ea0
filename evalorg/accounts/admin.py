from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "division", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    list_select_related = ["division"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "is_active"]
    list_filter = ["role", "is_active", "agency__kind"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["agency"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("EvalOrg"), {"fields": ("role", "full_name", "phone", "agency")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("EvalOrg"), {"fields": ("role", "full_name", "agency")}),
    )
