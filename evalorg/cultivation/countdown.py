"""One reading of the cultivation clock (N-4.2, N-4.3) for the case page and the line pages.

The period is the case's (``CultivationPeriod``: one last day for all its lines), but a case
filed early (成熟一批，公布一批) keeps lines that continue to that day; so whether the clock
still runs depends on what is still open, not on the case's state. The case page's cultivation
section, the applicant's line page and the center's review page all render ``Countdown``
through ``cultivation/_countdown.html``: the same dates and the same words wherever a line is
shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core import clock

from .models import CultivationPeriod

Line = ApplicationOccupation.Status
# Lines still in cultivation: they take uploads and reviews until the last day.
OPEN = frozenset({Line.CULTIVATING, Line.BANK_SUBMITTED, Line.BANK_FAILED})
# Case states whose open lines go on (a withdrawn or eliminated case's do not).
LIVE = frozenset({State.CULTIVATING, State.ACCEPTED, State.FILED})


class Phase(models.TextChoices):
    RUNNING = "running", _lazy("培育期进行中")
    LAST_DAY = "last_day", _lazy("今天是培育期最后一天")
    EXPIRED = "expired", _lazy("培育期已届满，待系统办结")
    WAITING = "waiting", _lazy("培育期已届满，待验收批次审定")
    ENDED = "ended", _lazy("培育期已结束")
    LINE_DONE = "line_done", _lazy("本职业（工种）培育已办结")


@dataclass(frozen=True)
class Countdown:
    starts_on: date
    last_day: date
    days_left: int  # days after today up to and including the last day; 0 on the last day
    phase: str

    @property
    def running(self) -> bool:
        return self.phase in (Phase.RUNNING, Phase.LAST_DAY)

    @property
    def label(self) -> str:
        if self.phase == Phase.RUNNING:
            # Counted like the period itself, today included: day 1 of 180 reads 180 (issue 22).
            days = self.days_left + 1
            return ngettext("剩余 %(n)s 天（含今天）", "剩余 %(n)s 天（含今天）", days) % {
                "n": days
            }
        return str(Phase(self.phase).label)


def _read(period: CultivationPeriod, *, open_: bool, waiting: bool, done: str) -> Countdown:
    left = (period.last_day - clock.today()).days
    if (open_ or waiting) and left > 0:
        phase = Phase.RUNNING
    elif (open_ or waiting) and left == 0:
        phase = Phase.LAST_DAY
    elif open_ and left < 0:
        phase = Phase.EXPIRED  # the elimination sweep has not run yet
    elif waiting and left < 0:
        phase = Phase.WAITING
    else:
        phase = done
    return Countdown(period.starts_on, period.last_day, left, phase)


def for_case(
    period: CultivationPeriod, application: Application, lines: Iterable[ApplicationOccupation]
) -> Countdown:
    """The case's clock: running while the case is cultivating or any line is open (a case
    filed early with a line still cultivating runs to its last day too)."""
    statuses = {line.status for line in lines}
    return _read(
        period,
        open_=application.state in LIVE and bool(statuses & OPEN),
        waiting=application.state == State.CULTIVATING or Line.BANK_PASSED in statuses,
        done=Phase.ENDED,
    )


def for_line(period: CultivationPeriod, line: ApplicationOccupation) -> Countdown:
    """One line's clock: the case's dates; running while the line is open or passed and
    waiting for its acceptance batch; done once filed, eliminated or excluded."""
    return _read(
        period,
        open_=line.application.state in LIVE and line.status in OPEN,
        waiting=line.status == Line.BANK_PASSED,
        done=Phase.LINE_DONE,
    )
