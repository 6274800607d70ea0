from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evalorg.catalog.loaders import import_standards
from evalorg.catalog.models import SkillStandardCatalog


class Command(BaseCommand):
    help = "Import national skill standards from CSV (code,title,edition,issuing_document)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("csv", type=Path)
        parser.add_argument(
            "--complete",
            action="store_true",
            help="the file is the whole catalogue: an occupation not in it has no standard",
        )

    def handle(self, *args, csv: Path, complete: bool, **options) -> None:
        if not csv.exists():
            raise CommandError(f"文件不存在：{csv}")
        with transaction.atomic():
            created, _, errors = import_standards(csv, is_sample=False)
            if errors:
                raise CommandError("导入失败，未做任何修改：\n" + "\n".join(errors))
            if complete:
                catalog = SkillStandardCatalog.current()
                catalog.is_complete = True
                catalog.note = f"由 {csv.name} 完整导入"
                catalog.save()
        self.stdout.write(f"imported {created} new standards; complete={complete}")
