from django.core.management.base import BaseCommand

from evalorg.notify.services import send_outbox


class Command(BaseCommand):
    help = "Send queued e-mails (idempotent; run by a timer)."

    def handle(self, *args, **options) -> None:
        sent, failed = send_outbox()
        self.stdout.write(f"sent {sent}, failed {failed}")
