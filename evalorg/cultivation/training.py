"""Exam-administration training (考务培训, N-4.2): sessions held by a city agency (for its city's
institutions) or the provincial center (for all), and who attended."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.applications.models import State
from evalorg.institutions.models import Institution

from .models import TrainingSession

TRAINING_ROLES = {Role.CITY_STAFF, Role.PROVINCE_STAFF}


def require_training_staff(user) -> None:
    if user.role not in TRAINING_ROLES or user.agency_id is None:
        raise PermissionDenied(_("仅地市评价指导机构和省职业技能服务指导中心可以登记考务培训。"))


def sessions_for(user) -> QuerySet[TrainingSession]:
    """The sessions a staff user manages: those its own agency organised."""
    return TrainingSession.objects.filter(organiser_id=user.agency_id)


def institutions_for(user) -> QuerySet[Institution]:
    """Institutions in cultivation whose attendance the user may record: a city agency its
    city's, the provincial center all."""
    qs = Institution.objects.filter(applications__state=State.CULTIVATING).distinct()
    if user.role == Role.CITY_STAFF:
        qs = qs.filter(city_id=user.agency.division_id)
    elif user.role != Role.PROVINCE_STAFF:
        qs = qs.none()
    return qs.order_by("name")
