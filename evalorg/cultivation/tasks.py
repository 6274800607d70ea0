"""Background tasks of cultivation (django-tasks; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import bank_checks


@task()
def check_bank(check_id: int) -> str:
    """Check a large specification table or theory bank (``bank_checks.run``)."""
    return bank_checks.run(check_id)
