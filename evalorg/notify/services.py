"""Queue notifications inside the caller's transaction; the ``deliver_outbox`` task sends the
e-mails once the transaction commits (see outbox.py for the no-double-send rule)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from evalorg.core.workflow import Notice

from .models import Message, OutboundEmail
from .outbox import (
    MAX_ATTEMPTS,
    current_simulation,
    release_stale_claims,
    send_outbox,
    waiting_count,
)
from .tasks import deliver_outbox

__all__ = [
    "MAX_ATTEMPTS",
    "deliver",
    "notify_users",
    "queue_email",
    "send_outbox",
    "sweep_outbox",
    "unread_count",
]


def notify_users(users: Iterable, subject: str, body: str = "", url: str = "") -> int:
    tag = current_simulation()
    messages = [
        Message(recipient=u, subject=subject, body=body, url=url, simulation=tag) for u in users
    ]
    Message.objects.bulk_create(messages)
    return len(messages)


def unread_count(user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def queue_email(to: Iterable[str], subject: str, body: str) -> OutboundEmail | None:
    """Write the e-mail to the outbox and have a worker deliver it after the commit."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    email = OutboundEmail.objects.create(
        to=recipients, subject=subject, body=body, simulation=current_simulation()
    )
    enqueue_delivery()
    return email


def enqueue_delivery() -> None:
    """Enqueue ``deliver_outbox`` once the current transaction commits. If enqueuing fails the
    e-mail stays queued and the outbox sweep enqueues delivery later (hence ``robust``)."""
    transaction.on_commit(deliver_outbox.enqueue, robust=True)


def sweep_outbox() -> str:
    """The outbox sweep: requeue stale claims, then hand what is queued to the worker."""
    requeued, given_up = release_stale_claims()
    waiting = waiting_count()
    if waiting:
        enqueue_delivery()
    return f"stale claims requeued {requeued}, given up {given_up}; queued {waiting}"


def deliver(notices: list[Notice]) -> None:
    """The workflow's delivery (``core.workflow.set_delivery``): in-app messages now, in the
    transition's transaction; e-mails through the outbox, sent only once it commits."""
    for notice in notices:
        if notice.users:
            notify_users(notice.users, notice.subject, body=notice.body, url=notice.url)
        if notice.emails:
            queue_email(notice.emails, notice.subject, notice.body)
