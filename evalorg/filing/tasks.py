"""Background tasks of filing (django-tasks; run by ``manage.py db_worker``)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from evalorg.applications.workflow import TransitionRefused
from evalorg.selection.models import LeadershipApproval

from . import services

logger = logging.getLogger(__name__)


@task()
def render_letter_documents(letter_id: int) -> str:
    """Render and store one letter's DOCX and PDF (``services.render_documents``)."""
    letter = services.render_documents(letter_id)
    return f"{letter.number}: {'stored' if letter.documents_ready else 'pending'}"


@task()
def issue_batch_letters(batch_id: int, user_id: int) -> str:
    """Issue the letters of a large approved batch for the center's ``user``, handed over by
    ``batches.issue_letters`` (called here without a limit, so it issues them all): each case
    in a short transaction of its own, as in the request. A
    refusal (a case changed meanwhile, or a second run overtaken by the first) stops the run
    with what it had issued kept; the batch page lists the cases still without a letter."""
    from . import batches

    batch = LeadershipApproval.objects.get(pk=batch_id)
    user = get_user_model().objects.get(pk=user_id)
    try:
        issued = batches.issue_letters(batch, user)
    except TransitionRefused as refused:
        logger.warning("batch %s: letters stopped: %s", batch_id, refused)
        return f"stopped: {refused}"
    return f"{len(issued)} letters issued"
