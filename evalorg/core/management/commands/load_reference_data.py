from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from evalorg.core import statistics
from evalorg.core.reference import loaders


class Command(BaseCommand):
    help = "Load reference data (divisions, occupations, USCC codes, calendar, agencies, rounds)."

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = settings.EVALORG_REFERENCE_DATA_DIR
        for name, loader in loaders():
            with transaction.atomic():
                result = loader(data_dir)
            totals = ", ".join(f"{key} {value}" for key, value in result.total.items())
            self.stdout.write(
                f"{name}: {totals}; created {result.created}, updated {result.updated}"
            )
        statistics.refresh()
