"""Generate a test certificate authority and a signing certificate for filing letters
(filing/signing.py): for development, the demo and a staging server, never production."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.filing import signing


class Command(BaseCommand):
    help = (
        "Write a test CA and a letter-signing certificate and key (PEM) into --dir (default "
        "EVALORG_SIGNING_DEV_DIR); keeps one that is there already. Not for production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", default="", help="folder for ca.pem, signer.pem, signer-key.pem"
        )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "生产环境使用省人社厅的签名证书，不生成测试证书。 / Not in production: configure "
                "EVALORG_SIGNING_KEY_FILE, EVALORG_SIGNING_CERT_FILE and EVALORG_SIGNING_CA_FILE."
            )
        directory = Path(options["dir"] or settings.EVALORG_SIGNING_DEV_DIR)
        made = signing.make_test_ca(directory)
        self.stdout.write(
            ("generated" if made else "kept the existing") + f" test CA in {directory}"
        )
        for variable, name in (
            ("EVALORG_SIGNING_KEY_FILE", signing.KEY_FILE),
            ("EVALORG_SIGNING_CERT_FILE", signing.CERT_FILE),
            ("EVALORG_SIGNING_CA_FILE", signing.CA_FILE),
        ):
            self.stdout.write(f"{variable}={(directory / name).resolve()}")
