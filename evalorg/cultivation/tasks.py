"""Background tasks of cultivation (django-tasks; run by ``manage.py run_worker``)."""

from __future__ import annotations

from django_tasks import task

from .bank_isolation import run_isolated

# Bank checks have a queue and a worker of their own (``run_worker --queue-name banks``): an
# e-mail (queue ``default``) never waits behind one (issue 21 item 2).
BANKS_QUEUE = "banks"


@task(queue_name=BANKS_QUEUE)
def check_bank(check_id: int) -> str:
    """Check a large deliverable (``bank_checks.run``) in a child process killed at the time
    and memory limits (``bank_isolation``)."""
    return run_isolated(check_id)
