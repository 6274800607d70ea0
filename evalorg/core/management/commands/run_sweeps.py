from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evalorg.core.sweeps import run_sweeps


class Command(BaseCommand):
    help = "Run every registered sweep once (idempotent; a timer runs it every 5 minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_sweeps()
        for result in results:
            self.stdout.write(f"{result.name}: {result.summary}")
        failed = [result.name for result in results if not result.ok]
        if failed:
            raise CommandError(f"sweeps failed: {', '.join(failed)}")
