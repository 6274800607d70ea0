"""Supervised task workers (issue 23 item 6).

django-tasks-db's ``db_worker`` dies on the first database error other than a lock taken while
claiming, and under ``--reload`` (the default with DEBUG) its loop runs in a thread: when that
thread dies the process stays alive and nothing is delivered until someone restarts it.
``manage.py run_worker`` runs the same loop (``SupervisedWorker``) without the reloader:

- a locked SQLite database anywhere in the loop is retried with a growing pause (0.5 s to
  10 s) instead of killing the worker;
- any other error ends the process with exit status 1, so systemd (``Restart=always``) or
  ``scripts/run-dev.sh`` starts a new one;
- a task a dead worker had claimed stays ``RUNNING``: once it has run longer than
  ``EVALORG_TASK_CLAIM_TIMEOUT_MINUTES`` (30) the ``task_claims`` sweep closes it as failed and
  enqueues the same task again. The
  project's tasks may run twice (``deliver_outbox`` claims each e-mail, ``check_bank`` writes
  its own ``BankCheck``), so a release never loses work.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from . import clock

logger = logging.getLogger("evalorg.worker")

FIRST_PAUSE = 0.5
LONGEST_PAUSE = 10.0


class SupervisedWorker(Worker):
    def run(self) -> None:
        pause = FIRST_PAUSE
        while self.running:
            try:
                super().run()
                return
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                logger.warning("database is locked; worker retries in %.1f s", pause)
                close_old_connections()
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
                self.startup_delay = False


class ClaimExpired(Exception):
    """A task's claim ran past EVALORG_TASK_CLAIM_TIMEOUT_MINUTES: its worker died."""


def release_stale_tasks() -> int:
    """Tasks claimed longer ago than the timeout: each is closed as failed by the library's own
    ``set_failed`` (the dead worker's run stays on record) and enqueued again, same task and
    arguments. Returns how many."""
    cutoff = clock.now() - settings.EVALORG_TASK_CLAIM_TIMEOUT
    released = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
        for row in stale.select_for_update(skip_locked=True):
            row.set_failed(
                ClaimExpired(f"claimed by {row.worker_ids} before {cutoff:%Y-%m-%d %H:%M}")
            )
            args = row.args_kwargs
            row.task.enqueue(*args.get("args", []), **args.get("kwargs", {}))
            released += 1
    return released


def task_claims_sweep() -> str:
    return f"released {release_stale_tasks()} task(s) claimed by a worker that died"
