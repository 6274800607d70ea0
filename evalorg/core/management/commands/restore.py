from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into the configured database, upload "
        "directory and checkpoint file. Every member's sha256 is checked against the manifest "
        "first; a non-empty target is refused without --force. Run verify_audit afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar.gz written by manage.py backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore over a non-empty database (uploads and checkpoints are moved aside)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"找不到备份文件 / no such archive: {archive}")
        try:
            manifest = restore(archive, force=options["force"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"恢复完成 / restored: backup of {manifest['created_at']}, "
            f"{manifest['counts']['core.AuditEvent']} audit events, counts and chain head agree "
            "with the manifest. Now run: manage.py verify_audit"
        )
