import sys
from typing import Any

from django.core.management.base import BaseCommand

from evalorg.core.audit import verify_chain
from evalorg.core.checkpoints import checkpoint_path, read_checkpoints, verify_checkpoints


class Command(BaseCommand):
    help = (
        "Walk the keyed audit chain and check it against the signed checkpoints; print OK and "
        "the count, or the first broken link (exit 1)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            where = f"id {report.broken_id}" if report.broken_id is not None else "chain end"
            self.stderr.write(
                f"BROKEN at audit event {where} (seq {report.broken_seq}): {report.reason}; "
                f"{report.count} events verified before it"
            )
            sys.exit(1)
        problem = verify_checkpoints()
        if problem is not None:
            self.stderr.write(
                f"BROKEN against checkpoint line {problem.line} of {checkpoint_path()} "
                f"(seq {problem.seq}): {problem.reason}"
            )
            sys.exit(1)
        checkpoints = len(read_checkpoints())
        waiting = f"; {report.pending} newer events await sealing" if report.pending else ""
        self.stdout.write(
            f"OK: {report.count} audit events, chain intact, {checkpoints} checkpoints agree"
            + waiting
        )
