"""A hostile city value in the wizard's institution step lists no county and is refused as a
form error: on PostgreSQL a NUL reached the county query and answered 500 (found by
tests/test_fuzz.py on the PostgreSQL leg)."""

import pytest

from evalorg.applications.forms import InstitutionStepForm

from .conftest import build_application

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("city", ["\x00", "4401\x00", "１２", "440100 OR 1=1"])
def test_a_hostile_city_lists_no_county_and_is_refused(city):
    institution = build_application().institution
    form = InstitutionStepForm(data={"city": city, "county": "440106"}, instance=institution)
    assert list(form.fields["county"].queryset) == []
    assert not form.is_valid() and "city" in form.errors


def test_a_real_city_lists_its_counties():
    institution = build_application().institution
    form = InstitutionStepForm(data={"city": institution.city_id}, instance=institution)
    assert form.fields["county"].queryset.exists()
