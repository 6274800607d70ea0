"""Deliver the e-mail outbox without ever sending one e-mail twice.

A worker claims a batch in a short transaction (``SELECT … FOR UPDATE SKIP LOCKED``, then
``status = sending`` with ``claimed_at``), sends outside the transaction and records the outcome.
A second worker skips the locked rows and, once the claim commits, no longer sees them as
queued. A claim older than ``settings.OUTBOX_CLAIM_TIMEOUT`` (the worker died while sending) is
put back in the queue by ``release_stale_claims`` (the outbox sweep).

What is guaranteed when a worker dies (docs/operations.md "E-mail delivery"): an e-mail is
never lost (its row stays ``sending`` until the sweep requeues it) and is sent at least once.
It goes out twice only if the worker died after the mail server accepted it and before the row
was marked ``sent`` (SMTP cannot be asked afterwards whether it was); both copies then carry the
same ``Message-ID`` (``message_id``), derived from the row, so mail servers and clients that
deduplicate on it show one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from evalorg.core import clock

from .models import OutboundEmail

MAX_ATTEMPTS = 5
Status = OutboundEmail.Status
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
_simulation: ContextVar[str] = ContextVar("simulation", default="")


@contextmanager
def simulated(tag: str) -> Iterator[None]:
    """Messages and e-mails written inside are marked with the simulated round's code."""
    token = _simulation.set(tag)
    try:
        yield
    finally:
        _simulation.reset(token)


def current_simulation() -> str:
    return _simulation.get()


def connection_for(email: OutboundEmail) -> BaseEmailBackend | None:
    """A simulated round's e-mails go to the files in ``EMAIL_FILE_PATH`` (var/mail), never
    through the configured relay (issue 23 item 5); None: the configured backend."""
    if not email.simulation:
        return None
    return get_connection(FILE_BACKEND, file_path=str(settings.EMAIL_FILE_PATH))


def send_outbox(limit: int = 200, batch: int = 20) -> tuple[int, int]:
    """Send up to ``limit`` queued e-mails, claiming ``batch`` at a time; returns (sent, failed).

    Each e-mail is tried at most once per run; a failure stays queued for the next run until
    ``MAX_ATTEMPTS``."""
    sent = failed = 0
    seen: set[int] = set()
    while sent + failed < limit:
        claimed = claim(min(batch, limit - sent - failed), exclude=seen)
        if not claimed:
            break
        for email in claimed:
            seen.add(email.pk)
            if deliver(email):
                sent += 1
            else:
                failed += 1
    return sent, failed


def claim(size: int, exclude: set[int] | frozenset[int] = frozenset()) -> list[OutboundEmail]:
    """Mark up to ``size`` queued e-mails as ``sending`` for this worker and return them."""
    with transaction.atomic():
        emails = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, attempts__lt=MAX_ATTEMPTS)
            .exclude(pk__in=exclude)
            .order_by("created_at", "pk")[:size]
        )
        claimed_at = clock.now()
        for email in emails:
            email.status, email.claimed_at = Status.SENDING, claimed_at
            email.attempts += 1
        OutboundEmail.objects.bulk_update(emails, ["status", "claimed_at", "attempts"])
    return emails


def deliver(email: OutboundEmail) -> bool:
    """Send one claimed e-mail and record the outcome; True when it was sent."""
    message = EmailMessage(
        email.subject,
        email.body,
        settings.DEFAULT_FROM_EMAIL,
        email.to,
        headers={"Message-ID": message_id(email)},
        connection=connection_for(email),
    )
    try:
        message.send()
    except Exception as exc:  # any transport error: back to the queue, with the reason
        final = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=Status.FAILED if final else Status.QUEUED,
            claimed_at=None,
            last_error=str(exc)[:300],
        )
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, sent_at=clock.now(), last_error=""
    )
    return True


def message_id(email: OutboundEmail) -> str:
    """The same ``Message-ID`` on every attempt to send one outbox row: a copy sent again after
    a worker died in the middle is recognisably the same e-mail."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "evalorg.invalid"
    stamp = email.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox-{email.pk}.{stamp}@{domain}>"


def release_stale_claims() -> tuple[int, int]:
    """Requeue e-mails claimed longer ago than the timeout; returns (requeued, given up)."""
    cutoff = clock.now() - settings.OUTBOX_CLAIM_TIMEOUT
    stale = OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, claimed_at=None, last_error="claim expired"
    )
    requeued = stale.update(status=Status.QUEUED, claimed_at=None)
    return requeued, given_up


def waiting_count() -> int:
    return OutboundEmail.objects.filter(status=Status.QUEUED, attempts__lt=MAX_ATTEMPTS).count()
