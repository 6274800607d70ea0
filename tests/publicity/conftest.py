"""Approved cases, published notices and objections for the publicity tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from evalorg.accounts.models import Agency, Role
from evalorg.applications.models import Application
from evalorg.core import clock
from evalorg.publicity.models import Objection, PublicityNotice
from evalorg.publicity.services import create_notice, file_objection, publish_notice
from evalorg.rounds.models import Round
from tests.applications.conftest import SH, build_application
from tests.factories import InstitutionFactory, UserFactory

# 2023-09-27 (Wed) + 5 working days, 国庆 2023-09-29..10-06 off, 10-07/10-08 调休 working days:
# 09-27, 09-28, 10-07, 10-08, 10-09.
START = date(2023, 9, 27)
END = date(2023, 10, 9)
BEFORE_START = datetime(2023, 9, 26, 10, 0, tzinfo=SH)
DURING = datetime(2023, 10, 7, 10, 0, tzinfo=SH)
AFTER = clock.deadline_end(END) + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _publicity_settings(monkeypatch):
    # django-simple-captcha reads its settings once, at import: patch its module.
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    cache.clear()  # the objection form's per-IP rate limit counts in the cache
    yield
    cache.clear()


def province_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


def pii_institution(n: int):
    """An institution full of personal data that must never reach a public page."""
    return InstitutionFactory(
        contact_name=f"联系人甲{n}",
        contact_phone=f"1380013{n:04d}",
        contact_email=f"secret-contact{n}@example.cn",
        legal_rep_name=f"法定代表人乙{n}",
        legal_rep_id_number=f"44010619900101{n:03d}X",
    )


def approved(institution=None, *, with_decision: bool = True) -> Application:
    """A case the leadership group approved (the earlier stages are not the point here)."""
    application = build_application(institution)
    province = Agency.objects.get(kind="province")
    Application.objects.filter(pk=application.pk).update(
        state="leadership_approved", receiving_agency=province
    )
    if with_decision:
        record_approval(application)
    return Application.objects.get(pk=application.pk)


def record_approval(application: Application) -> None:
    from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry
    from tests.applications.conftest import stored_pdf

    department = UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department"))
    decision = LeadershipApproval.objects.create(
        kind=LeadershipApproval.Kind.SELECTION,
        status=LeadershipApproval.Status.APPROVED,
        round=application.round,
        decided_on=date(2023, 6, 20),
        meeting_ref="遴选工作领导小组2023年第3次会议",
        minutes=stored_pdf("会议纪要.pdf"),
        recorded_by=department,
        recorded_at=clock.now(),
    )
    LeadershipApprovalEntry.objects.create(
        approval=decision, application=application, approved=True
    )


def draft_notice(cases, staff, start: date = START) -> PublicityNotice:
    round_ = Round.objects.get(code="gd-2023")
    return create_notice(
        round_=round_,
        cases=cases,
        title="2023年培育辅导对象名单公示",
        starts_on=start,
        objections_to="省职业技能服务指导中心，电话 020-00000000",
        template=round_.publicity_template,
        user=staff,
    )


def published(cases, staff, start: date = START) -> PublicityNotice:
    with time_machine.travel(BEFORE_START, tick=False):
        notice = draft_notice(cases, staff, start)
        return publish_notice(notice, staff)


def objection(notice: PublicityNotice, case=None, **fields) -> Objection:
    entry = notice.entries.get(application=case) if case else notice.entries.first()
    values = {
        "name": "王异议",
        "phone": "13912345678",
        "email": "objector@example.org",
        "grounds": "该机构材料不实。",
    } | fields
    with time_machine.travel(DURING, tick=False):
        return file_objection(notice, entry, **values)


@pytest.fixture
def staff(db):
    return province_staff()
