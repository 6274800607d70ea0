"""The case page's own sections (registered in ``apps.py`` like any stage's): the occupation
lines for every reader; the current files and the eligibility results for the applicant (staff
read review's tables, which add the earlier versions, the verification checks and the findings;
an assigned expert reads the files in review's section, once it declared no conflict)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from .materials import applicable_items, current_materials
from .models import Application


def occupations_section(request: HttpRequest, application: Application) -> str:
    """The occupations and levels requested, each line with its status."""
    context = {"groups": application.occupation_groups()}
    return render_to_string("applications/_occupations_section.html", context, request=request)


def materials_section(request: HttpRequest, application: Application) -> str:
    """The current files per checklist item (staff read review's table with the checks)."""
    context = {
        "application": application,
        "materials": current_materials(application),
        "items": applicable_items(application),
    }
    return render_to_string("applications/_materials_section.html", context, request=request)


def eligibility_section(request: HttpRequest, application: Application) -> str:
    if not application.eligibility:
        return ""
    context = {"results": application.eligibility}
    return render_to_string("applications/_eligibility.html", context, request=request)


def register_case_sections() -> None:
    from .sections import Order, Reader, register_case_section

    register_case_section(occupations_section, order=Order.APPLICATION, readers=list(Reader))
    register_case_section(materials_section, order=Order.APPLICATION, readers=[Reader.APPLICANT])
    register_case_section(eligibility_section, order=Order.APPLICATION, readers=[Reader.APPLICANT])
