"""Background bank checks in a child process with a hard wall-time and memory limit (issue 21
item 2, N-4.2).

The ``check_bank`` task (queue ``banks``) does not run the check in the worker: it starts a
child process (multiprocessing ``spawn``: a fresh interpreter, so it inherits no database
connection or thread of the worker), which sets up Django with the worker's settings, limits
its own address space (``RLIMIT_AS``) and runs ``bank_checks.run``. The worker waits for it and
kills it (SIGKILL) when

- it runs longer than ``BANK_CHECK_TIME_LIMIT_SECONDS``, or
- the check was failed (by the ``bank_checks`` sweep) or superseded (by a newer upload)
  meanwhile: the sweep, on any host, stops the work through the database.

A check over a limit is failed through the normal failure path with the message the applicant
sees on the line page (``bank_checks.over_limit_message``); the worker survives and takes the
next task. This module imports no model at import time: the spawned child unpickles
``_child_main`` before Django is set up.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import threading
import time
from enum import Enum
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger(__name__)

# The check the child runs, by dotted path (imported in the child once Django is set up).
WORK = "evalorg.cultivation.bank_checks.run"
# How often the waiting worker asks whether the check is still pending (one small query).
POLL_SECONDS = 2.0
# Starting the child (a new interpreter importing Django and the project: about 5 s of CPU) is
# not counted in the time limit but may take at most this long.
STARTUP_SECONDS = 120.0
READY, RESULT = "ready", "result"
# The child's exit status when the check ran out of memory (a MemoryError escaped the check).
EXIT_OUT_OF_MEMORY = 75
MB = 1024 * 1024


class Outcome(Enum):
    FINISHED = "finished"
    OVER_TIME = "over time"
    OVER_MEMORY = "over memory"
    CANCELLED = "cancelled"  # failed by the sweep or superseded meanwhile: already recorded
    INTERRUPTED = "interrupted"  # the child was stopped by SIGTERM/SIGINT (a shutdown)
    CRASHED = "crashed"


def run_isolated(check_id: int) -> str:
    """Run the check ``check_id`` in a limited child process; what the task returns."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    if not settings.BANK_CHECK_ISOLATED:
        return import_string(WORK)(check_id)
    context = get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(check_id, WORK, _settings_for_child(), settings.BANK_CHECK_MEMORY_LIMIT_MB, sender),
        name=f"bank-check-{check_id}",
        daemon=True,  # ended with the worker if it exits normally
    )
    child.start()
    sender.close()  # the child holds the only writing end: its end is the pipe's end
    try:
        outcome, result = _supervise(child, receiver, check_id)
    finally:
        _stop(child)
        receiver.close()
    if outcome is Outcome.FINISHED and child.exitcode != 0:
        outcome = _exit_outcome(child.exitcode)
    return _conclude(check_id, outcome, child.exitcode, result)


def _settings_for_child() -> dict[str, Any]:
    """The worker's settings as they are now (the database it uses, the storage, the limits):
    the child sees what the worker would have seen."""
    from django.conf import settings
    from django.db import connections

    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    values["DATABASES"] = {alias: dict(connections.settings[alias]) for alias in connections}
    return values


def _supervise(
    child: BaseProcess, receiver: Connection, check_id: int
) -> tuple[Outcome, str | None]:
    """Wait for the child's result. The time limit counts from the check's start (the child
    says ``ready`` once Django is set up, a few seconds); starting is allowed STARTUP_SECONDS."""
    from django.conf import settings

    deadline = time.monotonic() + STARTUP_SECONDS
    started = False
    while True:
        timeout = max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
        if receiver.poll(timeout):
            try:
                kind, value = receiver.recv()
            except EOFError:  # the child ended without a result
                child.join()
                return _exit_outcome(child.exitcode or 0), None
            if kind == READY:
                started = True
                deadline = time.monotonic() + settings.BANK_CHECK_TIME_LIMIT_SECONDS
                continue
            child.join()
            return Outcome.FINISHED, value
        if time.monotonic() >= deadline:
            return (Outcome.OVER_TIME if started else Outcome.CRASHED), None
        if started and _cancelled(check_id):
            return Outcome.CANCELLED, None


def _exit_outcome(code: int) -> Outcome:
    if code == EXIT_OUT_OF_MEMORY or code == -signal.SIGKILL:  # SIGKILL: the kernel's OOM killer
        return Outcome.OVER_MEMORY
    if code in (-signal.SIGTERM, -signal.SIGINT):
        return Outcome.INTERRUPTED
    return Outcome.CRASHED


def _cancelled(check_id: int) -> bool:
    """Failed by the sweep or superseded by a newer upload while the child works. Not a check
    the child has just finished: its result is on the way (it commits, then sends)."""
    from .models import BankCheck

    gone = (BankCheck.Status.FAILED, BankCheck.Status.SUPERSEDED)
    return BankCheck.objects.filter(pk=check_id, status__in=gone).exists()


def _still_pending(check_id: int) -> bool:
    from .models import BankCheck

    return BankCheck.objects.filter(pk=check_id, status__in=BankCheck.PENDING).exists()


def _stop(child: BaseProcess) -> None:
    if child.is_alive():
        child.kill()
    child.join()


def _conclude(check_id: int, outcome: Outcome, code: int | None, result: str | None) -> str:
    from django.conf import settings

    from . import bank_checks

    limits = (
        f"{settings.BANK_CHECK_TIME_LIMIT_SECONDS} s / {settings.BANK_CHECK_MEMORY_LIMIT_MB} MB"
    )
    if outcome is Outcome.FINISHED:
        return result or "finished"
    if outcome is Outcome.CANCELLED or not _still_pending(check_id):
        # Failed by the sweep, superseded, or finished just before it was killed: recorded.
        logger.warning("bank check %s no longer pending: its check process was killed", check_id)
        return "cancelled"
    if outcome is Outcome.INTERRUPTED:
        return _queue_again(check_id)
    logger.warning(
        "bank check %s %s (exit status %s, limits %s)", check_id, outcome.value, code, limits
    )
    if outcome is Outcome.CRASHED:
        bank_checks._fail(check_id, f"check process crashed or did not start (exit status {code})")
        return "failed"
    reason = f"{outcome.value}: stopped at the limits {limits} (exit status {code})"
    bank_checks._fail(check_id, reason, bank_checks.over_limit_message())
    return "over limit"


def _queue_again(check_id: int) -> str:
    """A check stopped by a shutdown (SIGTERM) is not the applicant's fault: a new check of the
    same file supersedes it and runs when a worker is back."""
    from django.db import transaction

    from . import bank_checks
    from .models import BankCheck

    with transaction.atomic():
        check = (
            BankCheck.objects.select_for_update(of=("self",))
            .select_related("deliverable")
            .filter(pk=check_id, status__in=BankCheck.PENDING, deliverable__is_current=True)
            .first()
        )
        if check is None:
            return "interrupted"
        bank_checks.queue(check.deliverable, check.rows_total)
    return "interrupted: queued again"


def limits_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """System check: a check within its limits must never count as lost (failed by the sweep,
    or its task released by ``task_claims`` and run twice)."""
    from datetime import timedelta

    from django.conf import settings
    from django.core.checks import Error

    longest = timedelta(seconds=settings.BANK_CHECK_TIME_LIMIT_SECONDS + STARTUP_SECONDS)
    if longest < min(settings.BANK_CHECK_STALE, settings.EVALORG_TASK_CLAIM_TIMEOUT):
        return []
    message = (
        "BANK_CHECK_TIME_LIMIT_SECONDS + 120 s must stay below BANK_CHECK_STALE_MINUTES and "
        "EVALORG_TASK_CLAIM_TIMEOUT_MINUTES"
    )
    return [Error(message, id="cultivation.E001")]


# ---- the child -------------------------------------------------------------------------------


def _child_main(
    check_id: int, work: str, values: dict[str, Any], memory_mb: int, sender: Connection
) -> None:
    """Entry point of the child process (spawned: no inherited connection to close)."""
    _exit_with_parent()
    from django.conf import settings

    for name, value in values.items():
        setattr(settings, name, value)
    import django

    django.setup()
    from django.db import connections
    from django.utils.module_loading import import_string

    _limit_memory(memory_mb)
    sender.send((READY, None))
    try:
        result = import_string(work)(check_id)
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)  # nothing more can be allocated: the parent records it
    finally:
        connections.close_all()
    sender.send((RESULT, result))
    sender.close()


def _limit_memory(megabytes: int) -> None:
    """Limit the address space to what the started child maps now (the interpreter, Django and
    the project: about 180 MB of address space) plus ``megabytes``
    for the check: beyond it an allocation fails with MemoryError."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + megabytes * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _exit_with_parent() -> None:
    """The worker killed with SIGKILL cannot kill its child: the child ends itself instead."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
