import sys

from django.core.management.base import BaseCommand

from evalorg.core.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit chain; print OK and the count, or the first broken link (exit 1)."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"OK: {report.count} audit events, chain intact")
            return
        where = f"id {report.broken_id}" if report.broken_id is not None else "chain end"
        self.stderr.write(
            f"BROKEN at audit event {where} (seq {report.broken_seq}): {report.reason}; "
            f"{report.count} events verified before it"
        )
        sys.exit(1)
