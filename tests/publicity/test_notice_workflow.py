"""The notice's own workflow (issue 18): draft → published (``publish``, province staff) →
ended (``end``, the system's ``publicity_end`` sweep or province staff once the period is over).
Every refusal cites a clause and changes nothing; every move is audited for staff only."""

import importlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from evalorg.accounts.system import system_actor
from evalorg.applications.models import Application
from evalorg.applications.workflow import TransitionRefused, available_actions, perform
from evalorg.core.models import AuditEvent
from evalorg.publicity.models import PublicityNotice
from evalorg.publicity.services import publish_notice, sweep_publicity_end
from tests.applications.conftest import applicant_of
from tests.factories import CityStaffFactory
from tests.publicity.conftest import (
    AFTER,
    BEFORE_START,
    DURING,
    END,
    START,
    approved,
    draft_notice,
    objection,
    published,
)

pytestmark = pytest.mark.django_db


def _unchanged(notice: PublicityNotice, status: str, events: int) -> None:
    stored = PublicityNotice.objects.get(pk=notice.pk)
    assert stored.status == status
    assert (stored.published_at is None) == (status == "draft")
    assert AuditEvent.objects.count() == events


def _refused(notice, action: str, actor, match: str) -> None:
    with pytest.raises(TransitionRefused, match=match):
        perform(notice, action, actor)


def test_a_draft_notice_is_published_only_by_province_staff(staff):
    case = approved()
    notice = draft_notice([case], staff)
    events = AuditEvent.objects.count()
    with time_machine.travel(BEFORE_START, tick=False):
        _refused(
            notice, "publish", CityStaffFactory(), r"您无权对该公示公告执行“发布公示”。（SPEC-1）"
        )
        _refused(notice, "publish", applicant_of(case), r"您无权.*（SPEC-1）")
        _refused(notice, "publish", system_actor(), r"您无权.*（SPEC-1）")
    _unchanged(notice, "draft", events)
    assert Application.objects.get(pk=case.pk).state == "leadership_approved"


def test_a_published_or_ended_notice_cannot_be_published_again(staff):
    notice = published([approved()], staff)
    events = AuditEvent.objects.count()
    with time_machine.travel(BEFORE_START, tick=False):
        _refused(notice, "publish", staff, r"当前状态为“已发布”，不能执行“发布公示”。（SPEC-5）")
    _unchanged(notice, "published", events)
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
        notice.refresh_from_db()
        events = AuditEvent.objects.count()
        _refused(notice, "publish", staff, r"当前状态为“公示期满”.*（SPEC-5）")
        _refused(notice, "end", staff, r"当前状态为“公示期满”，不能执行“公示期满办结”。（SPEC-5）")
    _unchanged(notice, "ended", events)


def test_an_empty_notice_is_not_published(staff):
    notice = draft_notice([], staff)
    events = AuditEvent.objects.count()
    with time_machine.travel(BEFORE_START, tick=False):
        _refused(notice, "publish", staff, r"公示名单为空，不能发布。（N-4\.1\.3）")
    _unchanged(notice, "draft", events)


def test_a_notice_whose_dates_the_calendar_no_longer_gives_is_not_published(staff):
    notice = draft_notice([approved()], staff)
    PublicityNotice.objects.filter(pk=notice.pk).update(ends_on=END.replace(day=10))
    notice.refresh_from_db()
    events = AuditEvent.objects.count()
    with time_machine.travel(BEFORE_START, tick=False):
        _refused(notice, "publish", staff, r"公示期应至 2023年10月09日 结束.*（N-4\.1\.3）")
    _unchanged(notice, "draft", events)


def test_a_notice_whose_year_is_missing_from_the_calendar_is_not_published(staff):
    from evalorg.core.models import WorkCalendar

    notice = draft_notice([approved()], staff)
    WorkCalendar.objects.filter(day__year=START.year).delete()
    events = AuditEvent.objects.count()
    with time_machine.travel(BEFORE_START, tick=False):
        _refused(notice, "publish", staff, r"工作日历缺少年份：2023.*（N-4\.1\.3）")
    _unchanged(notice, "draft", events)


def test_a_notice_ends_only_once_its_period_is_over(staff):
    case = approved()
    notice = published([case], staff)
    events = AuditEvent.objects.count()
    with time_machine.travel(DURING, tick=False):
        _refused(
            notice, "end", staff, r"公示期至 2023年10月09日 24 时.*公示期内不能办结。（N-4\.1\.3）"
        )
        _refused(notice, "end", system_actor(), r"公示期内不能办结")
    with time_machine.travel(AFTER, tick=False):
        _refused(notice, "end", CityStaffFactory(), r"您无权.*“公示期满办结”。（SPEC-1）")
        _refused(notice, "end", applicant_of(case), r"（SPEC-1）")
        _refused(draft_notice([], staff), "end", staff, r"当前状态为“草稿”.*（SPEC-5）")
        events = AuditEvent.objects.count()
    _unchanged(notice, "published", events)


def test_a_draft_notice_cannot_be_ended_from_its_page(client, staff):
    case = approved()
    notice = draft_notice([case], staff)
    with time_machine.travel(AFTER, tick=False):
        client.force_login(staff)
        url = reverse("publicity:end", args=[notice.pk])
        html = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "当前状态为“草稿”，不能执行“公示期满办结”。" in html and "SPEC-5" not in html
    assert PublicityNotice.objects.get(pk=notice.pk).status == "draft"


def test_the_sweep_ends_the_notice_with_its_cases_and_then_leaves_it(staff):
    clean, pending = approved(), approved()
    notice = published([clean, pending], staff)
    objection(notice, pending)
    with time_machine.travel(DURING, tick=False):
        sweep_publicity_end()
    assert PublicityNotice.objects.get(pk=notice.pk).status == "published"
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
        ended = AuditEvent.objects.get(action="end", object_type="publicity.publicitynotice")
        moved = AuditEvent.objects.get(action="end_publicity")
        events = AuditEvent.objects.count()
        sweep_publicity_end()  # the case waiting for its objection keeps the notice swept
    assert AuditEvent.objects.count() == events
    assert PublicityNotice.objects.get(pk=notice.pk).status == "ended"
    assert (ended.from_state, ended.to_state, ended.audience) == ("published", "ended", "staff")
    assert ended.actor_label == "系统" and ended.pk > moved.pk
    assert Application.objects.get(pk=pending.pk).state == "in_publicity"


def test_a_notice_whose_cases_were_all_moved_by_hand_is_still_ended_by_the_sweep(staff):
    case = approved()
    notice = published([case], staff)
    with time_machine.travel(AFTER, tick=False):
        perform(case, "end_publicity", staff)
        assert PublicityNotice.objects.get(pk=notice.pk).status == "published"
        assert sweep_publicity_end() == "进入培育 0 家，异议成立 0 家，待处理异议 0 家"
    assert PublicityNotice.objects.get(pk=notice.pk).status == "ended"


def test_the_staff_page_offers_the_notice_s_actions(client, staff):
    notice = draft_notice([approved()], staff)
    client.force_login(staff)
    page = reverse("publicity:notice", args=[notice.pk])
    with time_machine.travel(BEFORE_START, tick=False):
        client.force_login(staff)
        html = client.get(page).content.decode()
        assert 'data-action="publish"' in html and 'data-action="end"' not in html
        assert [t.action for t in available_actions(notice, staff)] == ["publish", "discard"]
        assert available_actions(notice, CityStaffFactory()) == []
        url = reverse("publicity:publish", args=[notice.pk])
        client.post(url, {"confirm": "yes"})
        html = client.get(page).content.decode()
        assert 'data-action="end"' in html and 'data-action="publish"' not in html
    assert PublicityNotice.objects.get(pk=notice.pk).status == "published"
    with time_machine.travel(AFTER, tick=False):
        client.force_login(staff)
        client.post(reverse("publicity:end", args=[notice.pk]), {"confirm": "yes"})
        html = client.get(page).content.decode()
    assert PublicityNotice.objects.get(pk=notice.pk).status == "ended"
    assert "data-action" not in html and "已结束" in html


def test_an_ended_notice_s_page_moves_the_cases_left_waiting(client, staff):
    case = approved()
    notice = published([case], staff)
    item = objection(notice, case)
    page = reverse("publicity:notice", args=[notice.pk])
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
        client.force_login(staff)
        html = client.get(page).content.decode()
        assert "办结剩余机构" in html and "公示期满办结" not in html
        perform(item, "investigate", staff)
        perform(item, "dismiss", staff, reason="反映内容与事实不符")
        client.post(reverse("publicity:end", args=[notice.pk]), {"confirm": "yes"})
        html = client.get(page).content.decode()
    assert Application.objects.get(pk=case.pk).state == "cultivating"
    assert "办结剩余机构" not in html
    assert AuditEvent.objects.filter(action="end").count() == 1


def test_ended_notices_stay_on_the_public_pages(client, staff):
    notice = published([approved()], staff)
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
        listing = client.get(reverse("public:notices")).content.decode()
        detail = client.get(reverse("public:notice", args=[notice.pk]))
    assert notice.title in listing and "已结束" in listing
    assert detail.status_code == 200


def test_the_migration_derives_the_status_from_the_dates(staff):
    migration = importlib.import_module("evalorg.publicity.migrations.0004_notice_status")
    draft = draft_notice([approved()], staff)
    running = published([approved()], staff)
    over = published([approved()], staff)
    PublicityNotice.objects.update(status="draft")  # as before the migration
    with time_machine.travel(DURING, tick=False):
        PublicityNotice.objects.filter(pk=over.pk).update(ends_on=START)
        migration.status_from_dates(apps, None)
    statuses = dict(PublicityNotice.objects.values_list("pk", "status"))
    assert statuses == {draft.pk: "draft", running.pk: "published", over.pk: "ended"}


def test_a_refused_case_leaves_the_notice_a_draft(staff):
    ok, other = approved(), approved()
    Application.objects.filter(pk=other.pk).update(state="selected")
    with time_machine.travel(BEFORE_START, tick=False):
        notice = draft_notice([ok, other], staff)
        with pytest.raises(TransitionRefused):
            publish_notice(notice, staff)
    assert PublicityNotice.objects.get(pk=notice.pk).status == "draft"
    assert not AuditEvent.objects.filter(action="publish").exists()


@pytest.mark.parametrize("action", ["publish", "end"])
def test_the_notice_is_locked_then_its_cases_before_the_first_audit_event(staff, action):
    """One lock order for every writer (notice, cases, audit head): otherwise publishing or
    ending deadlocks on PostgreSQL with a single case transition waiting for the audit head."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from evalorg.publicity.services import end_notice

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite serialises writers; row locks are PostgreSQL's")
    cases = [approved(), approved()]
    if action == "publish":
        notice, moment = draft_notice(cases, staff), BEFORE_START
    else:
        notice, moment = published(cases, staff), AFTER
    travel = time_machine.travel(moment, tick=False)
    with travel, CaptureQueriesContext(connection) as seen, transaction.atomic():
        if action == "publish":
            publish_notice(notice, staff)
        else:
            end_notice(notice, system_actor())
    sql = [query["sql"] for query in seen.captured_queries]
    first_audit = next(i for i, q in enumerate(sql) if q.startswith("INSERT") and "audit" in q)
    locks = [q for q in sql[:first_audit] if "FOR UPDATE" in q]
    tables = [PublicityNotice._meta.db_table, Application._meta.db_table]
    locked = [next(t for t in tables if f'FROM "{t}"' in q) for q in locks if "audit" not in q]
    assert locked[:2] == tables, locks
