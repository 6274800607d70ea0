"""Bank checks in their own queue and in a child process killed at its limits (issue 21 item 2,
N-4.2): an e-mail never waits behind a bank check; a check over the time or memory limit, or
failed by the stale sweep, is stopped (its process killed), failed with a message the applicant
reads, and the worker goes on with the next task.

The child processes need a database they can see: committed data (transactional tests) in
PostgreSQL or a SQLite file (``shared_database``); after the switch every database access of
the test runs in a thread of its own (``in_thread``), whose connection opens on the file."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from evalorg.core.task_worker import SupervisedWorker
from evalorg.cultivation import bank_checks, bank_isolation
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.models import BankCheck, Deliverable
from evalorg.cultivation.tasks import check_bank
from evalorg.notify.services import queue_email
from evalorg.notify.tasks import deliver_outbox
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.bank_isolation_work import started_marker
from tests.cultivation.test_bank_checks import _upload_large_theory
from tests.cultivation.test_deliverables import _signed_line, _upload
from tests.threads import in_thread

pytestmark = pytest.mark.django_db(transaction=True)  # the worker checks autocommit
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
Status = BankCheck.Status
OVER_LIMIT = "检查超出时间/内存上限，已终止"
# Upper bound on waiting for a child to start its check (a new interpreter importing Django:
# about 5 s of CPU, 30 s on a loaded 2-core machine): a hang fails the test instead of the run.
START_WAIT_SECONDS = 240


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "banks"]}
    }


@pytest.fixture
def isolated(settings, tmp_path, monkeypatch, database_tasks):
    """Large banks go to the ``banks`` queue and run in a child whose work the test chooses."""
    settings.BANK_CHECK_ASYNC_ROWS = 300  # the 800-item sample theory bank is large
    settings.BANK_CHECK_ASYNC_BYTES = 10 * 1024 * 1024
    settings.BANK_CHECK_ISOLATED = True
    settings.TEST_BANK_CHECK_BEHAVIOUR = {}
    settings.TEST_BANK_CHECK_MARKERS = str(tmp_path)
    monkeypatch.setattr(bank_isolation, "WORK", "tests.cultivation.bank_isolation_work.misbehaving")


@pytest.fixture(scope="module")
def bank():
    return make_bank()


def _queued_check(client: Client, bank) -> tuple[object, BankCheck]:
    """A line whose large theory bank waits in the ``banks`` queue."""
    with time_machine.travel(IN_PERIOD, tick=False):
        line = _signed_line()
        client.force_login(applicant_of(line.application))
        theory = _upload_large_theory(client, line, bank)
    return line, theory.checks.get()


def _banks_worker() -> None:
    """One pass of a ``run_worker --queue-name banks`` loop over every waiting task."""
    SupervisedWorker(
        queue_names=["banks"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="banks-test",
        excluded_queue_names=[],
    ).run()


def _fresh(check: BankCheck) -> tuple[BankCheck, Deliverable, DBTaskResult]:
    check = BankCheck.objects.select_related("deliverable").get(pk=check.pk)
    return check, check.deliverable, DBTaskResult.objects.get(pk=check.task_id)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_check_over_the_time_limit_is_killed_and_failed_and_the_worker_takes_the_next(
    client, bank, settings, shared_database, isolated
) -> None:
    line, stalled = _queued_check(client, bank)
    _other_line, following = _queued_check(Client(), bank)
    settings.TEST_BANK_CHECK_BEHAVIOUR = {stalled.pk: "stall"}
    # The stalled check is stopped after 30 s; the following one, about 2 s of work (5 s on a
    # loaded 2-core machine), finishes well within them.
    settings.BANK_CHECK_TIME_LIMIT_SECONDS = 30
    shared_database()

    in_thread(_banks_worker)  # returns: the worker went through both tasks

    check, theory, task = in_thread(lambda: _fresh(stalled))
    assert check.status == Status.FAILED and check.error.startswith("over time")
    assert OVER_LIMIT in theory.report[0]["message"] and "N-4.2" in theory.report[0]["message"]
    assert (task.status, task.return_value) == ("SUCCESSFUL", "over limit")
    assert _gone(int(started_marker(stalled.pk).read_text()))  # the work itself was stopped
    check, theory, task = in_thread(lambda: _fresh(following))
    assert (check.status, theory.passed) == (Status.DONE, True)
    assert (task.status, task.return_value) == ("SUCCESSFUL", "passed")

    # The applicant reads why on the line page and uploads the file again: a new check queues.
    page = reverse("cultivation:line", args=[line.pk])
    with time_machine.travel(IN_PERIOD, tick=False):
        assert OVER_LIMIT in in_thread(lambda: client.get(page)).content.decode()
        again = in_thread(lambda: _upload(client, line, "theory", "理论.xlsx", bank.theory_xlsx()))
    assert again.status_code == 302
    statuses = in_thread(lambda: list(BankCheck.objects.values_list("status", flat=True)))
    assert sorted(statuses) == sorted([Status.FAILED, Status.DONE, Status.QUEUED])


def test_a_check_over_the_memory_limit_is_failed_not_a_worker_crash(
    client, bank, settings, shared_database, isolated
) -> None:
    _line, growing = _queued_check(client, bank)
    settings.TEST_BANK_CHECK_BEHAVIOUR = {growing.pk: "grow"}
    settings.BANK_CHECK_MEMORY_LIMIT_MB = 64
    shared_database()

    in_thread(_banks_worker)

    check, theory, task = in_thread(lambda: _fresh(growing))
    assert check.status == Status.FAILED
    # MemoryError is failed by the check itself, or by the worker when the child could not
    # even record it (exit status 75): the same message either way.
    assert check.error.startswith(("MemoryError", "over memory"))
    assert OVER_LIMIT in theory.report[0]["message"]
    assert task.status == "SUCCESSFUL"
    assert _gone(int(started_marker(growing.pk).read_text()))


def test_the_stale_sweep_stops_the_work_not_only_marks_it(
    client, bank, settings, shared_database, isolated
) -> None:
    _line, stalled = _queued_check(client, bank)
    settings.TEST_BANK_CHECK_BEHAVIOUR = {stalled.pk: "stall"}
    shared_database()
    outcome: dict[str, str] = {}

    def run() -> None:
        outcome["result"] = bank_isolation.run_isolated(stalled.pk)

    running = threading.Thread(target=lambda: in_thread(run))
    running.start()
    marker = started_marker(stalled.pk)
    waited = 0.0
    while not marker.exists() and waited < START_WAIT_SECONDS:
        time.sleep(0.2)
        waited += 0.2
    assert marker.exists(), "the check never started in its child process"

    settings.BANK_CHECK_STALE = timedelta(0)  # the check counts as lost at once
    assert "1 个超时判为出错" in in_thread(bank_checks.sweep)
    running.join(timeout=60)  # the worker notices within POLL_SECONDS
    assert not running.is_alive()
    assert outcome["result"] == "cancelled"
    assert _gone(int(marker.read_text()))
    check, _theory, _task = in_thread(lambda: _fresh(stalled))
    assert check.status == Status.FAILED and check.error.startswith("stale")


def test_an_email_is_delivered_while_a_bank_check_runs(settings, database_tasks) -> None:
    assert (check_bank.queue_name, deliver_outbox.queue_name) == ("banks", "default")
    running = DBTaskResult.objects.get(pk=check_bank.enqueue(1).id)
    running.claim("banks-worker")  # a banks worker is busy with it
    waiting = DBTaskResult.objects.get(pk=check_bank.enqueue(2).id)
    queue_email(["owner@example.com"], "重置密码", "请在 30 分钟内重置密码。")

    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--queue-name", "default", verbosity=0
    )

    assert [m.subject for m in mail.outbox] == ["重置密码"]
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert (running.status, waiting.status) == ("RUNNING", "READY")  # left to the banks worker


def test_a_check_stopped_by_a_shutdown_is_queued_again(client, bank, isolated) -> None:
    _line, interrupted = _queued_check(client, bank)
    # What the worker concludes when the child ended by SIGTERM (systemd stopping the service).
    result = bank_isolation._conclude(interrupted.pk, bank_isolation.Outcome.INTERRUPTED, -15, None)
    assert result == "interrupted: queued again"
    checks = BankCheck.objects.filter(deliverable_id=interrupted.deliverable_id).order_by("pk")
    assert [c.status for c in checks] == [Status.SUPERSEDED, Status.QUEUED]
    assert DBTaskResult.objects.filter(queue_name="banks", status="READY").count() == 2
