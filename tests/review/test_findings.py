"""needs_review findings get a conclusion (who, when, what; audited) and verify is refused while
one is open (issue #10, SPEC §3, N-5.1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evalorg.applications.models import Application, State
from evalorg.core.models import AuditEvent
from evalorg.review.models import FindingResolution
from tests.factories import CityStaffFactory, city_agency

from .test_verification import _in_period as _in_period
from .test_verification import case as case_fixture
from .test_verification import checklist, post
from .test_verification import staff as staff_fixture

case = case_fixture
staff = staff_fixture

pytestmark = pytest.mark.django_db

FINDING = {
    "rule": "uscc_city",
    "clause": "N-2.1",
    "outcome": "needs_review",
    "message": "统一社会信用代码的登记地与申报地市不一致",
    "subject": "",
}


def _flag(application: Application) -> Application:
    application.eligibility = [*(application.eligibility or []), FINDING]
    application.needs_review = True
    application.save(update_fields=["eligibility", "needs_review"])
    return application


def _resolve(client, application, conclusion="已电话核实，机构实际在广州经营"):
    url = reverse("review_inbox:resolve_finding", args=[application.pk])
    return client.post(url, {"finding": "uscc_city|", "conclusion": conclusion})


def test_verify_is_refused_while_a_finding_is_open_then_passes_once_resolved(client, staff, case):
    _flag(case)
    response = post(client, case, checklist(case, "verify"))
    assert response.status_code == 400
    assert "尚无核查结论" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    assert _resolve(client, case).status_code == 302
    resolution = FindingResolution.objects.get(application=case)
    assert resolution.resolved_by == staff and resolution.clause == "N-2.1"
    event = AuditEvent.objects.for_object(case).get(action="finding_resolved")
    assert event.data["reason"] == "已电话核实，机构实际在广州经营"
    page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert "已电话核实" in page and "记录人工核查结论" in page  # the history labels it

    assert post(client, case, checklist(case, "verify")).status_code == 302
    case.refresh_from_db()
    assert case.state == State.VERIFIED


def test_an_empty_conclusion_or_a_second_one_changes_nothing(client, staff, case):
    _flag(case)
    _resolve(client, case, conclusion="  ")
    assert not FindingResolution.objects.exists()
    _resolve(client, case)
    _resolve(client, case, conclusion="另一结论")
    assert FindingResolution.objects.get().conclusion.startswith("已电话核实")


def test_another_city_cannot_resolve(client, case):
    _flag(case)
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert _resolve(client, case).status_code == 404
    assert not FindingResolution.objects.exists()
    assert not AuditEvent.objects.for_object(case).filter(action="finding_resolved").exists()


BADGE = "需人工核查</span>"


def test_the_badge_goes_once_every_finding_has_a_conclusion(client, staff, case):
    """Issue 22: the 需人工核查 badge stayed on the case page after its finding was resolved."""
    _flag(case)
    second = {**FINDING, "rule": "other_rule", "message": "另一项需核查"}
    case.eligibility = [*case.eligibility, second]
    case.save(update_fields=["eligibility"])
    detail = reverse("applications:detail", args=[case.pk])
    assert BADGE in client.get(detail).content.decode()

    _resolve(client, case)
    case.refresh_from_db()
    assert case.needs_review  # one finding is still open
    assert BADGE in client.get(detail).content.decode()

    url = reverse("review_inbox:resolve_finding", args=[case.pk])
    client.post(url, {"finding": "other_rule|", "conclusion": "已核实"})
    case.refresh_from_db()
    assert not case.needs_review
    assert BADGE not in client.get(detail).content.decode()
