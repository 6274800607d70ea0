"""全部核验通过 (issue 22): one button ticks every material whose file is uploaded, audited item
by item as the single ticks are; materials without a file are left alone and named."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from evalorg.applications.models import State
from evalorg.core import audit
from evalorg.core.models import AuditEvent
from evalorg.review.models import VerificationCheck
from tests.factories import CityStaffFactory, city_agency

from .test_verification import _in_period as _in_period
from .test_verification import case as case_fixture
from .test_verification import checklist, codes, post
from .test_verification import staff as staff_fixture

case = case_fixture
staff = staff_fixture

pytestmark = pytest.mark.django_db


def pass_uploaded(client, application):
    url = reverse("review_inbox:verify", args=[application.pk])
    return client.post(url, {"action": "pass_uploaded"})


def test_every_uploaded_material_passes_with_one_audit_event_each(client, staff, case):
    case.materials.filter(item_code="credit").update(is_current=False)  # no file for credit
    data = checklist(case, "save", failing=("premises", "credit"), notes={"premises": "旧"})
    assert post(client, case, data).status_code == 302
    saved = AuditEvent.objects.for_object(case).filter(action="verification_saved")
    before = saved.count()

    response = pass_uploaded(client, case)

    assert response.status_code == 302
    checks = {c.item_code: c for c in VerificationCheck.objects.filter(review__application=case)}
    uploaded = [code for code in codes(case) if code != "credit"]
    assert all(checks[code].passed for code in uploaded)
    assert checks["premises"].note == "旧" and checks["premises"].checked_by == staff
    assert not checks["credit"].passed  # untouched: as saved before, nothing ticked
    # One event per material that changed; the rows already passed were not touched again.
    new_events = list(saved.order_by("pk")[before:])
    assert [e.data["items"][0]["item"] for e in new_events] == ["premises"]
    assert all(len(e.data["items"]) == 1 for e in new_events)
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("未上传，未作改动" in m and "信用" in m for m in told), told
    case.refresh_from_db()
    assert case.state == State.SUBMITTED  # ticking is not verifying
    assert audit.verify_chain().ok


def test_from_nothing_each_material_gets_its_own_event(client, staff, case):
    pass_uploaded(client, case)
    saved = AuditEvent.objects.for_object(case).filter(action="verification_saved")
    assert saved.count() == len(codes(case))
    assert sorted(e.data["items"][0]["item"] for e in saved) == sorted(codes(case))


def test_the_button_is_on_the_open_checklist_only(client, staff, case):
    url = reverse("review_inbox:verify", args=[case.pk])
    assert "全部核验通过" in client.get(url).content.decode()
    post(client, case, checklist(case, "verify"))
    assert "全部核验通过" not in client.get(url).content.decode()
    before = AuditEvent.objects.count()
    pass_uploaded(client, case)  # once verified: refused, nothing written
    assert AuditEvent.objects.count() == before


def test_another_city_cannot_pass_the_materials(client, case):
    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert pass_uploaded(client, case).status_code == 404
    assert not VerificationCheck.objects.filter(review__application=case).exists()
