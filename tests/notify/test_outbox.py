"""E-mail delivery as a task: queued on commit, claimed before sending, never sent twice."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from evalorg.core import clock
from evalorg.notify import outbox
from evalorg.notify.models import OutboundEmail
from evalorg.notify.services import queue_email, sweep_outbox

pytestmark = pytest.mark.django_db
Status = OutboundEmail.Status


def _queued(count: int) -> None:
    OutboundEmail.objects.bulk_create(
        OutboundEmail(to=["a@example.cn"], subject=f"邮件 {i:02d}", body="内容")
        for i in range(count)
    )


def test_queue_email_is_delivered_by_the_task_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = queue_email(["b@example.cn", "a@example.cn", ""], "受理通知", "已受理")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["受理通知"]
    assert mail.outbox[0].to == ["a@example.cn", "b@example.cn"]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)


def test_rolled_back_email_is_neither_kept_nor_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert queue_email([""], "无收件人", "x") is None
    assert callbacks == []


def test_a_claimed_email_is_not_claimed_again():
    _queued(3)
    first = outbox.claim(2)
    second = outbox.claim(5)
    assert {e.pk for e in first}.isdisjoint({e.pk for e in second})
    assert len(second) == 1
    assert OutboundEmail.objects.filter(status=Status.SENDING).count() == 3
    assert outbox.send_outbox() == (0, 0)  # all claimed: nothing left to send


def test_transport_error_keeps_it_queued_then_gives_up(settings):
    settings.EMAIL_BACKEND = "tests.notify.test_outbox.BrokenBackend"
    _queued(1)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.send_outbox() == (0, 1)  # one try per run
        email = OutboundEmail.objects.get()
        assert email.attempts == attempt
    assert (email.status, email.last_error) == (Status.FAILED, "SMTP down")
    assert outbox.send_outbox() == (0, 0)


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP down")


def test_sweep_requeues_stale_claims_and_delivers(settings, django_capture_on_commit_callbacks):
    _queued(2)
    stale, fresh = outbox.claim(2)
    OutboundEmail.objects.filter(pk=stale.pk).update(
        claimed_at=clock.now() - settings.OUTBOX_CLAIM_TIMEOUT - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = sweep_outbox()
    assert summary == "stale claims requeued 1, given up 0; queued 1"
    assert [m.subject for m in mail.outbox] == [stale.subject]
    assert OutboundEmail.objects.get(pk=fresh.pk).status == Status.SENDING  # still its worker's
    assert OutboundEmail.objects.get(pk=stale.pk).attempts == 2


def test_sweep_gives_up_a_stale_claim_after_the_last_attempt(settings):
    _queued(1)
    OutboundEmail.objects.update(
        status=Status.SENDING,
        attempts=outbox.MAX_ATTEMPTS,
        claimed_at=clock.now() - settings.OUTBOX_CLAIM_TIMEOUT - timedelta(minutes=1),
    )
    assert sweep_outbox() == "stale claims requeued 0, given up 1; queued 0"
    assert OutboundEmail.objects.get().status == Status.FAILED


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there)",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_send_every_email_exactly_once():
    _queued(40)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            outbox.send_outbox(batch=2)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = Counter(message.subject for message in mail.outbox)
    assert len(sent) == 40
    assert set(sent.values()) == {1}
    assert OutboundEmail.objects.filter(status=Status.SENT).count() == 40


def test_every_attempt_at_one_email_carries_the_same_message_id():
    """A copy sent again (a worker died between the handoff and marking it sent, and the sweep
    requeued it) is recognisably the same e-mail to the mail server and the reader."""
    _queued(2)
    assert outbox.send_outbox() == (2, 0)
    OutboundEmail.objects.filter(subject="邮件 00").update(status=Status.QUEUED)
    assert outbox.send_outbox() == (1, 0)
    ids = [(m.subject, m.extra_headers["Message-ID"]) for m in mail.outbox]
    assert [s for s, _ in ids] == ["邮件 00", "邮件 01", "邮件 00"]
    assert ids[0][1] == ids[2][1] != ids[1][1]
    assert ids[0][1].startswith("<outbox-") and ids[0][1].endswith(">")
    assert mail.outbox[0].message()["Message-ID"] == ids[0][1]
