import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evalorg.core import audit
from evalorg.core.audit import Audience
from evalorg.core.holiday_notice import NoticeError, parse_notice, summary_lines, write_year


class Command(BaseCommand):
    help = (
        "Read the State Council's holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知, "
        "plain text, '-' for standard input), show the year's calendar and, once confirmed "
        "(or with --yes), write it into the working-day calendar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("notice", help="the notice as a text file, or - for standard input")
        parser.add_argument("--year", type=int, help="the year, when the title is not pasted")
        parser.add_argument("--yes", action="store_true", help="write without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["notice"])
        try:
            calendar = parse_notice(text, options["year"])
        except NoticeError as error:
            raise CommandError(f"通知无法解析，未写入任何数据：{error}") from error
        for line in summary_lines(calendar):
            self.stdout.write(line)
        if not (options["yes"] or self._confirmed(calendar.year)):
            self.stdout.write("未写入。核对无误后加 --yes 再运行一次。")
            return
        created, changed = write_year(calendar)
        audit.record(
            "calendar_year_imported",
            data={"year": calendar.year, "created": created, "changed": changed},
            actor_label="import_holidays",
            audience=Audience.STAFF,
        )
        self.stdout.write(
            f"已写入 {calendar.year} 年工作日历：新增 {created} 天，"
            f"改动工作日/休息日 {changed} 天。"
        )

    def _read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"找不到通知文件：{name}")
        return path.read_text(encoding="utf-8")

    def _confirmed(self, year: int) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"写入 {year} 年工作日历？输入 yes 确认：")
        return answer.strip().lower() == "yes"
