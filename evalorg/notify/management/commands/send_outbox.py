from django.core.management.base import BaseCommand

from evalorg.notify.outbox import send_outbox


class Command(BaseCommand):
    help = "Send queued e-mails now, in this process (the task worker normally does it)."

    def handle(self, *args, **options) -> None:
        sent, failed = send_outbox()
        self.stdout.write(f"sent {sent}, failed {failed}")
