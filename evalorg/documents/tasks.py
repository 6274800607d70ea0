"""Background tasks of documents (django-tasks; run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import built


@task()
def build_document(name: str, object_id: int) -> str:
    """Lay out one registered document (``built.build``)."""
    return f"{name} #{object_id}: {built.build(name, object_id).file.size} bytes"
