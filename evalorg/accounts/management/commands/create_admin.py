from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.accounts.operators import create_admin, initial_password


class Command(BaseCommand):
    help = (
        "Create an administrator (role admin, admin site). Prints a one-time password unless "
        "--password-stdin; the second factor is enrolled at the first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = read_password(options["password_stdin"])
        try:
            user = create_admin(
                options["username"], options["email"], options["full_name"], password
            )
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(f"已创建管理员 {user.username}。")
        if not options["password_stdin"]:
            self.stdout.write(f"一次性初始密码：{password}")
        self.stdout.write("首次登录时须绑定验证器（双因素认证），登录后请立即修改密码。")


def read_password(from_stdin: bool) -> str:
    if not from_stdin:
        return initial_password()
    import sys

    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise CommandError("标准输入中没有密码。")
    return password
