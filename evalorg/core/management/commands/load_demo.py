from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evalorg.core import statistics
from evalorg.core.demo import DemoContext, builders
from evalorg.settings import env_bool


class Command(BaseCommand):
    help = "Create demo accounts and data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if env_bool("EVALORG_PRODUCTION", False):
            raise CommandError("演示数据（含公开的演示密码和动态验证码密钥）不得载入生产环境。")
        call_command("load_reference_data", stdout=self.stdout)
        context = DemoContext()
        with transaction.atomic():
            for _name, builder in builders():
                builder(context)
        statistics.refresh()
        self.stdout.write("\n演示账户 / demo logins (http://127.0.0.1:8000/accounts/login/):")
        width = max(len(login.username) for login in context.logins)
        for login in context.logins:
            self.stdout.write(
                f"  {login.username.ljust(width)}  {login.password}  {login.role}  {login.note}"
            )
        for note in context.notes:
            self.stdout.write(note)
