from django.core.management.base import BaseCommand

from evalorg.applications.diagram import document


class Command(BaseCommand):
    requires_system_checks: list = []
    help = "Print docs/workflow.md (Mermaid state diagram) generated from the transition table."

    def handle(self, *args, **options) -> None:
        self.stdout.write(document(), ending="")
