from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from evalorg.accounts.demo import DEMO_TOTP_KEY
from evalorg.settings import env_bool


class Command(BaseCommand):
    help = (
        "Print the current code of the demo accounts' shared second-factor key (not in production)."
    )

    def handle(self, *args, **options) -> None:
        if env_bool("EVALORG_PRODUCTION", False):
            raise CommandError("生产环境没有演示动态验证码。")
        token = TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token()
        self.stdout.write(f"{token:06d}")
