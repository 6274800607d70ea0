from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from evalorg.core import clock
from evalorg.core.files import remove_orphans, rowless_paths, unreferenced_rows
from evalorg.core.models import StoredFile


class Command(BaseCommand):
    help = (
        "List or remove stored files nothing refers to: rows no record points at (uploaded more "
        "than a day ago) with their bytes, and bytes under files/ without a row "
        "(docs/operations.md, Orphaned files). The orphan_files sweep does the same."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        pks = unreferenced_rows(clock.now() - timedelta(days=1))
        loose = rowless_paths()
        for row in StoredFile.objects.filter(pk__in=pks).order_by("pk"):
            self.stdout.write(f"unreferenced: {row.storage_path} {row.size} {row.original_name}")
        for path in loose:
            self.stdout.write(f"without a row: {path}")
        if options["dry_run"]:
            self.stdout.write(f"dry run: {len(pks)} unreferenced, {len(loose)} without a row")
            return
        removed = remove_orphans(pks)
        from django.core.files.storage import default_storage

        for path in loose:
            default_storage.delete(path)
        self.stdout.write(f"removed: {len(removed)} unreferenced, {len(loose)} without a row")
