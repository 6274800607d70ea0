"""Supervised workers (issue 23 item 6): a worker whose loop raises exits non-zero and its task
is picked up again after the claim timeout; a locked SQLite database is retried."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db.utils import OperationalError
from django_tasks import task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from evalorg.core import clock
from evalorg.core.task_worker import release_stale_tasks

RUNS: list[int] = []


@task()
def count_run() -> int:
    RUNS.append(1)
    return len(RUNS)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.EVALORG_TASK_CLAIM_TIMEOUT = timedelta(minutes=30)
    RUNS.clear()


def _worker(*extra: str) -> None:
    call_command("run_worker", "--batch", "--no-startup-delay", *extra, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)  # the worker checks autocommit, as in production
def test_a_dying_loop_exits_non_zero_and_its_task_runs_again(database_tasks, monkeypatch) -> None:
    result = count_run.enqueue()

    def die(self, db_task_result) -> None:
        raise RuntimeError("loop died")

    monkeypatch.setattr(db_worker.Worker, "run_task", die)
    with pytest.raises(SystemExit) as exited:
        _worker()
    assert exited.value.code == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "RUNNING"  # claimed by the dead worker
    monkeypatch.undo()

    assert release_stale_tasks() == 0  # not yet: another worker may still be running it
    with time_machine.travel(clock.now() + timedelta(minutes=31), tick=False):
        assert release_stale_tasks() == 1
    _worker()
    assert RUNS == [1]
    # The dead worker's run is closed as failed, the same task ran again and succeeded.
    assert DBTaskResult.objects.get(pk=result.id).status == "FAILED"
    again = DBTaskResult.objects.exclude(pk=result.id).get(task_path=row.task_path)
    assert again.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)  # the worker checks autocommit, as in production
def test_a_locked_database_is_retried(database_tasks, monkeypatch) -> None:
    count_run.enqueue()
    calls = []
    real = db_worker.close_old_connections

    def locked_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        real()

    monkeypatch.setattr(db_worker, "close_old_connections", locked_once)
    monkeypatch.setattr("evalorg.core.task_worker.FIRST_PAUSE", 0.01)
    _worker()
    assert RUNS == [1]


def test_make_run_and_the_documented_units_run_one_worker_per_queue() -> None:
    """Every queue of the task backend has its worker in `make run` and in production
    (issue 21 item 2: e-mail must not wait behind a bank check)."""
    from pathlib import Path

    from evalorg import settings as project

    root = Path(__file__).resolve().parents[2]
    queues = project.TASKS["default"]["QUEUES"]
    assert set(queues) == {"default", "banks"}
    script = (root / "scripts" / "run-dev.sh").read_text()
    started = next(line for line in script.splitlines() if line.startswith("for queue in"))
    assert started.removeprefix("for queue in").split(";")[0].split() == queues
    operations = (root / "docs" / "operations.md").read_text()
    for queue in queues:
        assert f"manage.py run_worker --queue-name {queue}" in operations


def test_the_bank_check_limits_stay_below_the_lost_work_timeouts(settings) -> None:
    from evalorg.cultivation.bank_isolation import limits_check

    assert limits_check() == []
    settings.BANK_CHECK_TIME_LIMIT_SECONDS = 30 * 60
    assert [error.id for error in limits_check()] == ["cultivation.E001"]
