from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from evalorg.core import audit

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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """The change form shows the full ID number and contacts: each opening is a read of
        personal data, audited for the department (PIPL, docs/security.md)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        institution = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and response.status_code == 200 and institution is not None:
            audit.record(
                "institution_viewed_admin",
                institution,
                actor=request.user,
                audience=audit.Audience.INTERNAL,
            )
        return response
