from typing import Any

from django.core.management.base import BaseCommand

from evalorg.core.checkpoints import checkpoint_path, write_checkpoint


class Command(BaseCommand):
    help = "Append a signed checkpoint of the audit chain's head to the checkpoint file."

    def handle(self, *args: Any, **options: Any) -> None:
        entry = write_checkpoint()
        self.stdout.write(
            f"checkpoint: seq {entry['seq']} hash {entry['hash'][:12]}… "
            f"count {entry['count']} -> {checkpoint_path()}"
        )
