from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.core.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, or SQLite's online backup), the uploads and the audit "
        "checkpoint file into one tar.gz with a manifest (docs/operations.md, Backups)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", help="a directory (a dated file name is chosen) or a file name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, manifest = backup(Path(options["dest"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["audit_head"]
        self.stdout.write(
            f"备份完成 / backup written: {path} ({manifest['engine']}, "
            f"{len(manifest['members'])} members, {manifest['counts']['core.AuditEvent']} audit "
            f"events, chain head seq {head['seq']})"
        )
