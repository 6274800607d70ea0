"""FastSelect writes exactly what Django's Select template writes (issue 12)."""

from __future__ import annotations

import pytest
from django import forms

from evalorg.applications.forms import InstitutionStepForm
from evalorg.applications.widgets import FastSelect
from evalorg.catalog.models import Division
from tests.factories import InstitutionFactory

CHOICES = [
    ("", "—"),
    ("a", "甲 <b>&"),
    ("b", "quote \" '"),
    ("组", [("g1", "组一"), ("g2", "组二")]),
]
ATTRS = [
    {},
    {"class": "form-select", "hx-get": "/x/?a=1&b=2", "required": True, "disabled": False},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", "a", "b", "g2", "missing"])
def test_same_html_as_djangos_select(attrs, value) -> None:
    fast = FastSelect(attrs=attrs, choices=CHOICES).render("f", value, {"id": "id_f"})
    slow = forms.Select(attrs=attrs, choices=CHOICES).render("f", value, {"id": "id_f"})
    assert fast == slow


@pytest.mark.django_db
def test_institution_step_selects_as_django_renders_them() -> None:
    institution = InstitutionFactory()
    form = InstitutionStepForm(instance=institution, initial={"route": ""})
    for name in ("category", "other_kind", "level", "city", "county", "route"):
        field = form[name]
        fast = field.field.widget
        assert isinstance(fast, FastSelect), name
        html = field.as_widget()
        field.field.widget = forms.Select(attrs=fast.attrs, choices=fast.choices)
        assert html == field.as_widget(), name
    assert Division.objects.filter(parent_id=institution.city_id).exists()
