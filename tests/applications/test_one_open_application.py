"""At most one open application per institution, round and kind, held by the database
(issue #11: concurrent "new application" requests created up to four)."""

import pytest
import time_machine
from django.db import IntegrityError, transaction

from evalorg.applications.models import Application, ApplicationOccupation, Kind, State
from evalorg.core.models import AuditEvent
from tests.factories import CityStaffFactory, InstitutionFactory

from .conftest import IN_APPLICATION_PERIOD, build_application
from .test_expansion import _post

pytestmark = pytest.mark.django_db


def _another(case: Application, kind: str = Kind.NEW) -> Application:
    return Application.objects.create(round=case.round, institution=case.institution, kind=kind)


def test_a_second_open_application_of_the_same_kind_is_refused_by_the_database():
    case = build_application()
    with pytest.raises(IntegrityError), transaction.atomic():
        _another(case)
    _another(case, Kind.EXPANSION)  # another kind is another application


def test_a_closed_application_does_not_block_a_new_one():
    case = build_application()
    Application.objects.filter(pk=case.pk).update(state=State.WITHDRAWN)
    assert _another(case).state == State.DRAFT


def test_registering_a_second_open_expansion_is_a_clear_refusal_not_a_500(client):
    """In the round's application period (expansions are registered only then)."""
    with time_machine.travel(IN_APPLICATION_PERIOD, tick=False):
        _second_expansion(client)


def _second_expansion(client) -> None:
    institution = InstitutionFactory()
    build_application(institution).occupations.update(status=ApplicationOccupation.Status.FILED)
    client.force_login(CityStaffFactory())
    assert _post(client, institution).status_code == 302
    events = AuditEvent.objects.count()
    response = _post(client, institution)
    assert response.status_code == 400 and "不能重复登记" in response.content.decode()
    assert Application.objects.filter(kind=Kind.EXPANSION).count() == 1
    assert AuditEvent.objects.count() == events
