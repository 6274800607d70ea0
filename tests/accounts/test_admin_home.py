"""The administrator's home page (issue 22, "The demo"): the agencies whose contacts are still
empty, each linked to its admin page, in one query whatever their number; nobody else sees it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.accounts.dashboard import contacts_to_fill
from evalorg.accounts.models import Agency, Role
from tests.factories import CityStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _admin():
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


def test_the_admin_home_lists_the_agencies_whose_contacts_are_empty(client):
    guangzhou = Agency.objects.get(kind=Agency.Kind.CITY, division_id="440100")
    shenzhen = Agency.objects.get(kind=Agency.Kind.CITY, division_id="440300")
    Agency.objects.filter(pk=guangzhou.pk).update(phone="020-12345678", email="gz@example.cn")
    client.force_login(_admin())
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="contacts-to-fill"' in page
    assert reverse("admin:accounts_agency_change", args=[shenzhen.pk]) in page
    assert reverse("admin:accounts_agency_change", args=[guangzhou.pk]) not in page


def test_the_section_is_gone_once_every_contact_is_filled(client):
    Agency.objects.update(phone="020-12345678", email="agency@example.cn")
    client.force_login(_admin())
    assert 'data-testid="contacts-to-fill"' not in client.get(reverse("home")).content.decode()


def test_staff_do_not_see_it(client):
    client.force_login(CityStaffFactory())
    assert 'data-testid="contacts-to-fill"' not in client.get(reverse("home")).content.decode()


def test_one_query_whatever_the_number_of_agencies():
    request = RequestFactory().get("/")
    request.user = _admin()
    Agency.objects.exclude(division_id="440300").update(phone="020-1", email="a@example.cn")
    with CaptureQueriesContext(connection) as few:
        one = contacts_to_fill(request) or ""
    Agency.objects.update(phone="", email="")
    with CaptureQueriesContext(connection) as many:
        every = contacts_to_fill(request) or ""
    assert one.count("<li") == 1 and every.count("<li") == 22
    assert len(many.captured_queries) == len(few.captured_queries) == 1
