"""属地原则 (N-4.1.2): the three routing cases of SPEC §4."""

import pytest

from evalorg.applications.models import Route
from evalorg.applications.routing import receiving_agency
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_municipal_institution_goes_to_its_city_agency():
    institution = InstitutionFactory.build(level="municipal", city_id="440600")
    agency = receiving_agency(institution)
    assert agency.kind == "city" and agency.division_id == "440600"


@pytest.mark.parametrize("route, kind", [(Route.CITY, "city"), (Route.PROVINCE, "province")])
def test_provincial_institution_goes_where_it_chose(route, kind):
    institution = InstitutionFactory.build(level="provincial", city_id="440300")
    assert receiving_agency(institution, route).kind == kind


def test_ministry_branch_goes_to_the_provincial_center():
    institution = InstitutionFactory.build(level="ministry_branch", city_id="440100")
    assert receiving_agency(institution, Route.CITY).kind == "province"
