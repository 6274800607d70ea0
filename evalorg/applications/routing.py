"""属地原则 (N-4.1.2): which agency receives an application."""

from __future__ import annotations

from evalorg.accounts.models import Agency
from evalorg.institutions.models import Institution, Level

from .models import Route


def city_agency(city_code: str) -> Agency:
    return Agency.objects.get(kind=Agency.Kind.CITY, division_id=city_code)


def provincial_center() -> Agency:
    return Agency.objects.get(kind=Agency.Kind.PROVINCE)


def receiving_agency(institution: Institution, route: str = "") -> Agency:
    """Municipal → its city agency; provincial → city agency or the provincial center, as it
    chose; Guangdong branch of a central-ministry organization → the provincial center."""
    if institution.level == Level.MINISTRY_BRANCH:
        return provincial_center()
    if institution.level == Level.PROVINCIAL and route == Route.PROVINCE:
        return provincial_center()
    return city_agency(institution.city_id)


def needs_route_choice(institution: Institution) -> bool:
    return institution.level == Level.PROVINCIAL
