import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from evalorg.core.audit import verify_chain
from evalorg.core.checkpoints import checkpoint_path, read_checkpoints, verify_checkpoints
from evalorg.core.production_guard import is_production


class Command(BaseCommand):
    help = (
        "Walk the keyed audit chain and check it against the signed checkpoints; print OK and "
        "the count, or the first broken link (exit 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--require-checkpoints",
            action="store_true",
            help="fail when there are events but no checkpoint (always so in production)",
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
        if report.count and not checkpoints:
            message = (
                f"NO CHECKPOINTS in {checkpoint_path()}: the chain is only as safe as the "
                "database (an insider can rewrite it); the audit_checkpoint sweep writes one "
                "every EVALORG_AUDIT_CHECKPOINT_MINUTES"
            )
            if options["require_checkpoints"] or is_production():
                self.stderr.write(f"BROKEN: {message}")
                sys.exit(1)
            self.stderr.write(f"WARNING: {message}")
        waiting = f"; {report.pending} newer events await sealing" if report.pending else ""
        self.stdout.write(
            f"OK: {report.count} audit events, chain intact, {checkpoints} checkpoints agree"
            + waiting
        )
