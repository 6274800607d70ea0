from django.contrib import admin

from .models import (
    AccessTypeOccupation,
    Division,
    Occupation,
    SkillStandard,
    SkillStandardCatalog,
    UsccCode,
)


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "county_kind"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "major_group", "is_green", "is_digital"]
    list_filter = ["level", "major_group", "is_green", "is_digital"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(AccessTypeOccupation)
class AccessTypeOccupationAdmin(admin.ModelAdmin):
    list_display = ["name", "occupation", "exempt", "note"]
    raw_id_fields = ["occupation"]
    list_select_related = ["occupation"]


@admin.register(SkillStandard)
class SkillStandardAdmin(admin.ModelAdmin):
    list_display = ["title", "occupation", "edition", "issuing_document", "is_sample"]
    list_filter = ["is_sample", "edition"]
    search_fields = ["title", "occupation__code", "occupation__name"]
    raw_id_fields = ["occupation"]
    list_select_related = ["occupation"]


admin.site.register(SkillStandardCatalog)


@admin.register(UsccCode)
class UsccCodeAdmin(admin.ModelAdmin):
    list_display = ["authority_code", "authority_name", "category_code", "category_name"]
