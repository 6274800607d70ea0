from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.accounts.operators import STAFF_ROLES, create_staff

from .create_admin import read_password


class Command(BaseCommand):
    help = (
        "Create a staff account with its role and agency: city_staff (a city agency's code, "
        "e.g. 440100), province_staff (the provincial center), department, or expert (no "
        "agency). Prints a one-time password unless --password-stdin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[str(r) for r in STAFF_ROLES])
        parser.add_argument("--agency", help="the agency's code (accounts.Agency.code)")
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        password = read_password(options["password_stdin"])
        try:
            user = create_staff(
                options["username"],
                options["role"],
                options["agency"],
                options["full_name"],
                options["email"],
                password,
            )
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        where = f"，{user.agency.name}" if user.agency else ""
        self.stdout.write(f"已创建 {user.username}（{user.get_role_display()}{where}）。")
        if not options["password_stdin"]:
            self.stdout.write(f"一次性初始密码：{password}")
        self.stdout.write("首次登录时须绑定验证器（双因素认证），登录后请立即修改密码。")
