"""Work out every ranked case's stored aggregate again (after bulk loads, or once after the
migration that added the stored scores, issue 24): ``manage.py refresh_rankings [--round CODE]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from evalorg.review.ranking import refresh_round
from evalorg.rounds.models import Round


class Command(BaseCommand):
    help = "Recompute the stored ranking scores of every round (or one round)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", help="the round's code (default: every round)")

    def handle(self, *args: Any, **options: Any) -> None:
        rounds = Round.objects.order_by("pk")
        if options["round"]:
            rounds = rounds.filter(code=options["round"])
        for round_ in rounds:
            changed = refresh_round(round_)
            self.stdout.write(f"{round_.code}: {changed} stage records updated")
