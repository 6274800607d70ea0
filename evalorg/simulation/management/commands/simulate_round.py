"""``manage.py simulate_round --institutions N --seed S``: a whole simulated round (issue 12)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evalorg.core import statistics
from evalorg.core.clock import CalendarYearMissing
from evalorg.core.production_guard import refuse_in_production
from evalorg.simulation.run import report, simulate


class Command(BaseCommand):
    help = "模拟一个完整的遴选批次：从申请到备案和自然淘汰，每一步都经过工作流（issue 12）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--institutions", type=int, default=40, help="机构数量 N")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子结果相同")
        parser.add_argument(
            "--start",
            type=date.fromisoformat,
            default=None,
            help="批次通知发布日期（默认今天前 300 天，整个批次在今天前结束）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **options) -> None:
        refuse_in_production("模拟批次（会写入虚构机构、备案函和登记册，并发送邮件）")
        n = options["institutions"]
        if n < 1:
            raise CommandError("机构数量须为正整数。")
        try:
            result = simulate(
                n, options["seed"], start=options["start"], progress=not options["no_progress"]
            )
        except CalendarYearMissing as missing:
            raise CommandError(f"{missing}（未写入任何数据）") from missing
        statistics.refresh()
        self.stdout.write(report(result))
        if not result.audit_ok:
            raise CommandError("审计链校验未通过。")
