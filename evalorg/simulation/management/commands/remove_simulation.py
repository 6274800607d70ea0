"""``manage.py remove_simulation <round code>``: a failed or unwanted simulation removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.core.production_guard import refuse_in_production
from evalorg.simulation.removal import NotSimulated, describe, remove_simulation


class Command(BaseCommand):
    help = (
        "删除一个模拟批次及其创建的一切（机构、账户、案件、备案函、文件、任务、发件箱邮件），"
        "审计事件保留；生产环境和非模拟批次拒绝执行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="模拟批次代码（sim-…，simulate_round 输出的“批次”）")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("删除模拟批次")
        try:
            counts = remove_simulation(options["code"])
        except NotSimulated as refused:
            raise CommandError(f"{refused}（未删除任何数据）") from refused
        self.stdout.write(f"已删除模拟批次 {options['code']}：\n{describe(counts)}")
