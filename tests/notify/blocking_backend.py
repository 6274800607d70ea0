"""An e-mail backend for worker-kill tests: a file-based record of every message "handed to the
mail server", which can block in the middle of sending one so the test can kill the worker.

``EVALORG_TEST_MAIL_DIR`` names a directory. Each delivered message is one JSON line in
``delivered.jsonl`` (appended and fsynced: it survives a SIGKILL the moment after). When the
directory holds ``block.json`` (``{"subject": …, "when": "before" | "after"}``) and a message
has that subject, the backend writes ``blocked`` and sleeps, either before recording the
message (the worker dies before the SMTP handoff) or after (it dies after the mail server
accepted it but before the outbox marked it sent).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

BLOCK_SECONDS = 300


def mail_dir() -> Path:
    return Path(os.environ["EVALORG_TEST_MAIL_DIR"])


def delivered(directory: Path) -> list[dict]:
    path = directory / "delivered.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


class BlockingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            block = self._block_for(message.subject)
            if block == "before":
                self._block()
            self._record(message)
            if block == "after":
                self._block()
        return len(email_messages)

    def _block_for(self, subject: str) -> str:
        path = mail_dir() / "block.json"
        if not path.exists():
            return ""
        rule = json.loads(path.read_text("utf-8"))
        return rule["when"] if rule["subject"] == subject else ""

    def _block(self) -> None:
        (mail_dir() / "blocked").write_text(str(os.getpid()), "utf-8")
        time.sleep(BLOCK_SECONDS)

    def _record(self, message) -> None:
        line = json.dumps(
            {
                "subject": message.subject,
                "to": message.to,
                "message_id": message.extra_headers.get("Message-ID", ""),
                "pid": os.getpid(),
            },
            ensure_ascii=False,
        )
        fd = os.open(mail_dir() / "delivered.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
