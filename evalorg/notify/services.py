"""Queue notifications inside the caller's transaction; deliver later (``send_outbox``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail

from evalorg.core import clock

from .models import Message, OutboundEmail

MAX_ATTEMPTS = 5


def notify_users(users: Iterable, subject: str, body: str = "", url: str = "") -> int:
    messages = [Message(recipient=u, subject=subject, body=body, url=url) for u in users]
    Message.objects.bulk_create(messages)
    return len(messages)


def queue_email(to: Iterable[str], subject: str, body: str) -> OutboundEmail | None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    return OutboundEmail.objects.create(to=recipients, subject=subject, body=body)


def send_outbox(limit: int = 200) -> tuple[int, int]:
    """Send queued e-mails; returns (sent, failed). Safe to run again: sent ones are skipped."""
    sent = failed = 0
    queued = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, attempts__lt=MAX_ATTEMPTS
    )[:limit]
    for email in queued:
        email.attempts += 1
        try:
            send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, email.to)
        except Exception as exc:  # any transport error: keep it queued and record why
            email.last_error = str(exc)[:300]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            failed += 1
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = clock.now()
            sent += 1
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return sent, failed
