"""Faults (issue 12): the e-mail worker is killed (SIGKILL) in the middle of sending.

Real processes on a shared database (PostgreSQL, or a SQLite file): a worker
(``manage.py send_outbox``, the function the ``deliver_outbox`` task runs) claims the queued
e-mails and hands them to a backend (tests/notify/blocking_backend.py) that records each
message in a file and blocks on one of them; the test kills that worker, lets the claims go
stale (claim timeout 0), runs the outbox sweep's requeue and then a new worker.

What the outbox guarantees, and these tests prove (docs/operations.md "E-mail delivery"):
- killed before an e-mail's handoff to the mail server: it goes out once, later;
- killed after an e-mail was handed over and marked sent: it is not sent again;
- killed after the handoff but before it was marked sent: it goes out a second time, with the
  same Message-ID (at least once, never lost; SMTP cannot be asked whether the first arrived).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from evalorg.notify import outbox
from evalorg.notify.models import OutboundEmail
from tests.notify.blocking_backend import delivered
from tests.threads import in_thread

pytestmark = pytest.mark.django_db(transaction=True)
Status = OutboundEmail.Status
SUBJECTS = ["受理通知 1", "受理通知 2", "受理通知 3"]
WAIT_SECONDS = 90


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Runs manage.py commands as separate processes on the test's database."""

    def __init__(self, tmp_path: Path) -> None:
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "evalorg.settings",
            "EMAIL_BACKEND": "tests.notify.blocking_backend.BlockingBackend",
            "EVALORG_TEST_MAIL_DIR": str(self.mail),
            "EVALORG_VAR_DIR": str(tmp_path / "var"),
            "EVALORG_AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]

    def worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            self.command("send_outbox"),
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def kill_when_blocked(self, worker: subprocess.Popen) -> None:
        marker = self.mail / "blocked"
        deadline = time.monotonic() + WAIT_SECONDS
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never reached the blocking send"
            time.sleep(0.1)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
        marker.unlink()

    def block(self, subject: str, when: str) -> None:
        (self.mail / "block.json").write_text(json.dumps({"subject": subject, "when": when}))

    def unblock(self) -> None:
        (self.mail / "block.json").unlink()


def statuses() -> dict[str, str]:
    return in_thread(lambda: dict(OutboundEmail.objects.values_list("subject", "status")))


def kill_mid_send(tmp_path: Path, shared_database, subject: str, when: str):
    """Queue three e-mails, kill the worker blocked on ``subject``, let its claims go stale,
    requeue them as the outbox sweep does and run a new worker. Returns the processes, the
    deliveries at the kill and the statuses then."""
    OutboundEmail.objects.bulk_create(
        OutboundEmail(to=["contact@example.cn"], subject=s, body="内容") for s in SUBJECTS
    )
    shared_database()
    processes = Processes(tmp_path)
    processes.block(subject, when)
    processes.kill_when_blocked(processes.worker())
    at_kill = delivered(processes.mail)
    left = statuses()
    processes.unblock()
    assert in_thread(outbox.release_stale_claims) == (list(left.values()).count("sending"), 0)
    finished = processes.worker()
    assert finished.wait(timeout=WAIT_SECONDS) == 0, finished.stderr.read().decode()
    return processes, at_kill, left


@pytest.fixture(autouse=True)
def _claims_expire_at_once(settings):
    """The sweep's claim timeout (10 minutes in production) is 0: a dead worker's claims are
    stale as soon as it is gone."""
    settings.OUTBOX_CLAIM_TIMEOUT = timedelta(0)


def test_killed_before_the_handoff_the_email_is_sent_once_later(tmp_path, shared_database):
    processes, at_kill, left = kill_mid_send(tmp_path, shared_database, SUBJECTS[0], "before")
    assert at_kill == [] and set(left.values()) == {Status.SENDING}  # claimed, none handed over
    sent = delivered(processes.mail)
    assert Counter(d["subject"] for d in sent) == Counter(SUBJECTS)  # each once, none lost
    assert set(statuses().values()) == {Status.SENT}


def test_killed_after_a_handoff_none_lost_only_the_unmarked_one_again(tmp_path, shared_database):
    """Blocked just after handing over the second e-mail: the first was handed over and marked
    sent, the second handed over but not marked, the third claimed but not handed over."""
    processes, at_kill, left = kill_mid_send(tmp_path, shared_database, SUBJECTS[1], "after")
    assert [d["subject"] for d in at_kill] == SUBJECTS[:2]
    assert [left[s] for s in SUBJECTS] == [Status.SENT, Status.SENDING, Status.SENDING]
    sent = delivered(processes.mail)
    # The first not again, the third once, the second twice (the window), same Message-ID.
    assert Counter(d["subject"] for d in sent) == Counter([*SUBJECTS, SUBJECTS[1]])
    twice = [d["message_id"] for d in sent if d["subject"] == SUBJECTS[1]]
    assert twice[0] == twice[1] and twice[0].startswith("<outbox-")
    assert len({d["message_id"] for d in sent}) == len(SUBJECTS)  # one id per e-mail
    assert set(statuses().values()) == {Status.SENT}
