"""The end of the period and an objection decision are serialised (issue 21 item 8, N-4.1.3):
a case with an upheld objection never stays in publicity after the end, and a decision taken
after the end moves the case at once instead of at the next sweep.

Both lock the notice's row, then the case's (``services.end_notice``,
``transitions.lock_notice_and_case``), so whichever comes second waits and then reads what the
first committed. The concurrent test is PostgreSQL's: SQLite serialises writers anyway."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection

from evalorg.applications.models import Application
from evalorg.applications.workflow import perform
from evalorg.publicity import services
from evalorg.publicity.models import Objection
from evalorg.publicity.services import sweep_publicity_end
from tests.publicity.conftest import AFTER, DURING, approved, objection, province_staff, published
from tests.threads import in_thread

HOLD_SECONDS = 2


def _state(case: Application) -> str:
    return Application.objects.get(pk=case.pk).state


def _investigating(notice, case, staff) -> Objection:
    item = objection(notice, case)
    with time_machine.travel(DURING, tick=False):
        return perform(item, "investigate", staff)


@pytest.mark.django_db
def test_an_objection_upheld_after_the_end_ends_the_case_at_once(staff):
    case = approved()
    notice = published([case], staff)
    item = _investigating(notice, case, staff)
    with time_machine.travel(AFTER, tick=False):
        assert sweep_publicity_end() == "进入培育 0 家，异议成立 0 家，待处理异议 1 家"
        perform(item, "uphold", staff, reason="材料造假属实")
    assert _state(case) == "objection_upheld"  # no second sweep needed


@pytest.mark.django_db
def test_an_objection_dismissed_after_the_end_starts_cultivation_at_once(staff):
    case = approved()
    notice = published([case], staff)
    item = _investigating(notice, case, staff)
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
        perform(item, "dismiss", staff, reason="反映内容与事实不符")
    assert _state(case) == "cultivating"


@pytest.mark.django_db
def test_a_decision_after_the_end_waits_while_another_objection_is_open(staff):
    case = approved()
    notice = published([case], staff)
    first = _investigating(notice, case, staff)
    second = _investigating(notice, case, staff)
    with time_machine.travel(AFTER, tick=False):
        perform(first, "dismiss", staff, reason="不成立")
        assert _state(case) == "in_publicity"
        perform(second, "uphold", staff, reason="成立")
    assert _state(case) == "objection_upheld"


@pytest.mark.django_db
def test_a_decision_during_the_period_leaves_the_case_to_the_end(staff):
    case = approved()
    notice = published([case], staff)
    item = _investigating(notice, case, staff)
    with time_machine.travel(DURING, tick=False):
        perform(item, "uphold", staff, reason="成立")
    assert _state(case) == "in_publicity"
    with time_machine.travel(AFTER, tick=False):
        sweep_publicity_end()
    assert _state(case) == "objection_upheld"


@pytest.mark.django_db(transaction=True)
def test_an_uphold_arriving_while_the_sweep_ends_the_notice_is_applied(
    shared_database, monkeypatch
):
    """The sweep has locked the notice and read the objection as still open when the decision
    arrives: the decision waits for the sweep's commit, then moves the case itself. Without the
    locks the decision commits underneath the sweep, which leaves the case waiting, in
    publicity, until the next sweep."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; row locks are PostgreSQL's")
    staff = province_staff()
    case = approved()
    notice = published([case], staff)
    item = _investigating(notice, case, staff)
    shared_database()
    sweep_read, decided = threading.Event(), threading.Event()
    real_open = services.open_objections

    def open_then_hold(application, of_notice):
        found = real_open(application, of_notice).exists()
        if threading.current_thread().name == "sweep":
            sweep_read.set()
            decided.wait(HOLD_SECONDS)  # the decision, if not locked out, commits meanwhile
        return SimpleNamespace(exists=lambda: found)

    monkeypatch.setattr(services, "open_objections", open_then_hold)
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            outcome["sweep"] = sweep_publicity_end()
        except Exception as exc:
            outcome["sweep"] = exc
        finally:
            connection.close()

    def decide() -> None:
        assert sweep_read.wait(30)
        try:
            perform(item, "uphold", staff, reason="材料造假属实")
            outcome["decision"] = "done"
        except Exception as exc:
            outcome["decision"] = exc
        decided.set()

    with time_machine.travel(AFTER, tick=False):
        thread = threading.Thread(target=sweep, name="sweep")
        thread.start()
        in_thread(decide)
        thread.join()
    assert outcome == {"sweep": "进入培育 0 家，异议成立 0 家，待处理异议 1 家", "decision": "done"}
    assert _state(case) == "objection_upheld"


@pytest.mark.django_db(transaction=True)
def test_a_sweep_arriving_while_an_uphold_is_written_sees_it(shared_database, monkeypatch):
    """The decision is written but not committed when the sweep starts: the sweep waits on the
    notice's row and then finds the case already moved (or, were the decision taken inside the
    period, the upheld objection)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; row locks are PostgreSQL's")
    from dataclasses import replace

    from evalorg.publicity.transitions import OBJECTIONS

    staff = province_staff()
    case = approved()
    notice = published([case], staff)
    item = _investigating(notice, case, staff)
    shared_database()
    holding, swept = threading.Event(), threading.Event()

    def hold(objection, actor, data) -> None:
        holding.set()
        swept.wait(HOLD_SECONDS)

    uphold = OBJECTIONS.table["uphold"]
    held = replace(uphold, effects=(*uphold.effects, hold))
    monkeypatch.setitem(OBJECTIONS.table, "uphold", held)
    outcome: dict[str, object] = {}

    def decide() -> None:
        try:
            perform(item, "uphold", staff, reason="材料造假属实")
            outcome["decision"] = "done"
        except Exception as exc:
            outcome["decision"] = exc
        finally:
            connection.close()

    def sweep() -> None:
        assert holding.wait(30)
        try:
            outcome["sweep"] = sweep_publicity_end()
        except Exception as exc:
            outcome["sweep"] = exc
        swept.set()

    with time_machine.travel(AFTER + timedelta(minutes=1), tick=False):
        thread = threading.Thread(target=decide)
        thread.start()
        in_thread(sweep)
        thread.join()
    assert outcome["decision"] == "done", outcome
    assert _state(case) == "objection_upheld"
    assert outcome["sweep"] == "进入培育 0 家，异议成立 0 家，待处理异议 0 家"
