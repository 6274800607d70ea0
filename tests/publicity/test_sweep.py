"""The end of the period (N-4.1.3): the publicity_end sweep, idempotent; the staff button."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts.system import system_actor
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from evalorg.core.sweeps import run_sweeps
from evalorg.cultivation.models import CultivationPeriod
from evalorg.notify.models import Message
from evalorg.publicity.services import end_notice, sweep_publicity_end
from tests.applications.conftest import applicant_of
from tests.publicity.conftest import AFTER, DURING, END, approved, objection, published

pytestmark = pytest.mark.django_db


def _states() -> dict[int, str]:
    return dict(Application.objects.values_list("pk", "state"))


def _resolve(item, staff, action: str, reason: str = "经核实") -> None:
    with time_machine.travel(DURING, tick=False):
        perform(item, "investigate", staff)
        perform(item, action, staff, reason=reason)


def test_the_sweep_is_registered():
    assert "publicity_end" in [r.name for r in run_sweeps()]


def test_nothing_moves_while_the_period_runs(staff):
    case = approved()
    notice = published([case], staff)
    with time_machine.travel(clock.deadline_end(END), tick=False):
        sweep_publicity_end()
        with pytest.raises(TransitionRefused, match=r"N-4\.1\.3"):
            end_notice(notice, staff)
    assert Application.objects.get(pk=case.pk).state == "in_publicity"


def test_after_the_end_cases_move_and_a_second_run_changes_nothing(staff):
    clean, objected, pending = approved(), approved(), approved()
    excluded = clean.occupations.first()
    ApplicationOccupation.objects.filter(pk=excluded.pk).update(status="excluded")
    notice = published([clean, objected, pending], staff)
    _resolve(objection(notice, objected), staff, "uphold", "材料造假属实")
    objection(notice, pending)
    with time_machine.travel(AFTER, tick=False):
        summary = sweep_publicity_end()
        states, events = _states(), AuditEvent.objects.count()
        assert sweep_publicity_end() == "进入培育 0 家，异议成立 0 家，待处理异议 1 家"
    assert summary == "进入培育 1 家，异议成立 1 家，待处理异议 1 家"
    assert _states() == states and AuditEvent.objects.count() == events
    assert states[clean.pk] == "cultivating"
    assert states[objected.pk] == "objection_upheld"
    assert states[pending.pk] == "in_publicity"  # waits for its objection to be resolved
    period = CultivationPeriod.objects.get(application=clean)
    assert period.starts_on == END + timedelta(days=1) == date(2023, 10, 10)
    assert period.last_day == date(2023, 10, 10) + timedelta(days=179)
    lines = dict(clean.occupations.values_list("pk", "status"))
    assert lines.pop(excluded.pk) == "excluded"
    assert set(lines.values()) == {"cultivating"}
    assert set(objected.occupations.values_list("status", flat=True)) == {"requested"}
    told = Message.objects.get(recipient=applicant_of(objected), subject__contains="异议成立")
    assert "材料造假属实" in told.body
    moved = AuditEvent.objects.get(action="end_publicity", object_id=str(clean.pk))
    assert moved.actor_label == "系统"


def test_a_held_case_moves_once_its_objection_is_dismissed(staff):
    case = approved()
    notice = published([case], staff)
    item = objection(notice, case)
    later = AFTER + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        sweep_publicity_end()
        assert Application.objects.get(pk=case.pk).state == "in_publicity"
        perform(item, "investigate", staff)
        perform(item, "dismiss", staff, reason="反映内容与事实不符")
        sweep_publicity_end()
    assert Application.objects.get(pk=case.pk).state == "cultivating"
    # held past the day after the end: the 180 days start on the day it actually moved
    assert CultivationPeriod.objects.get(application=case).starts_on == later.date()


def test_staff_can_end_a_notice_from_its_page(client, staff):
    case = approved()
    notice = published([case], staff)
    client.force_login(staff)
    url = reverse("publicity:end", args=[notice.pk])
    with time_machine.travel(DURING, tick=False):
        refused = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "公示期内不能办结" in refused and "N-4.1.3" in refused
    assert Application.objects.get(pk=case.pk).state == "in_publicity"
    with time_machine.travel(AFTER, tick=False):
        client.force_login(staff)  # the 30-minute session ended meanwhile
        done = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "进入培育 1 家" in done
    assert Application.objects.get(pk=case.pk).state == "cultivating"
    assert AuditEvent.objects.get(action="end_publicity").actor == staff


def test_the_system_actor_cannot_skip_the_guards(staff):
    case = approved()
    published([case], staff)
    with time_machine.travel(DURING, tick=False), pytest.raises(TransitionRefused):
        perform(case, "end_publicity", system_actor())


def test_the_sweep_locks_every_case_of_the_notice_before_moving_any(staff):
    """Faults (issue 12): in the sweep's transaction the cases are locked in one go, before the
    first move takes the audit head; otherwise an applicant's withdrawal holding a later case
    deadlocks with it on PostgreSQL (same order as core.workflow.perform_many)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite serialises writers; row locks are PostgreSQL's")
    cases = [approved(), approved(), approved()]
    notice = published(cases, staff)
    table = Application._meta.db_table
    travel = time_machine.travel(AFTER, tick=False)
    with travel, CaptureQueriesContext(connection) as seen, transaction.atomic():
        end_notice(notice, system_actor())
    sql = [query["sql"] for query in seen.captured_queries]
    first_audit = next(i for i, q in enumerate(sql) if q.startswith("INSERT") and "audit" in q)
    locks = [q for q in sql[:first_audit] if "FOR UPDATE" in q and f'FROM "{table}"' in q]
    assert locks and "IN (SELECT" in locks[0], sql[:first_audit]
    assert set(_states().values()) == {"cultivating"}
