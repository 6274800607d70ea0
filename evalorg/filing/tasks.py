"""Background tasks of filing (django-tasks; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def render_letter_documents(letter_id: int) -> str:
    """Render and store one letter's DOCX and PDF (``services.render_documents``)."""
    letter = services.render_documents(letter_id)
    return f"{letter.number}: {'stored' if letter.documents_ready else 'pending'}"
