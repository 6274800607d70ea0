"""Background tasks of the notify app (django-tasks; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .outbox import send_outbox


@task()
def deliver_outbox() -> dict[str, int]:
    """Drain the e-mail outbox. Safe to run in several workers at once."""
    sent, failed = send_outbox()
    return {"sent": sent, "failed": failed}
