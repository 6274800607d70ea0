"""Checks that misbehave, for tests/cultivation/test_bank_isolation.py. The child process
imports ``misbehaving`` by its dotted path (``bank_isolation.WORK``): a test's monkeypatch does
not reach a spawned process, the settings do (the parent passes them), so a test says in
``settings.TEST_BANK_CHECK_BEHAVIOUR`` which check stalls or grows."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

from evalorg.cultivation import bank_checks

MB = 1024 * 1024


def started_marker(check_id: int) -> Path:
    """Written by the child when the check's own work begins; holds the child's pid."""
    return Path(settings.TEST_BANK_CHECK_MARKERS) / f"{check_id}.pid"


def _stall(*args, **kwargs):
    time.sleep(3600)


def _grow(*args, **kwargs):
    blocks = []
    while True:  # until the address-space limit refuses the next block: MemoryError
        blocks.append(bytearray(16 * MB))


BEHAVIOURS = {"stall": _stall, "grow": _grow}


def misbehaving(check_id: int) -> str:
    behaviour = settings.TEST_BANK_CHECK_BEHAVIOUR.get(check_id)
    if behaviour is not None:
        work = BEHAVIOURS[behaviour]

        def report(*args, **kwargs):
            started_marker(check_id).write_text(str(os.getpid()))
            return work()

        bank_checks.check_report = report
    return bank_checks.run(check_id)
