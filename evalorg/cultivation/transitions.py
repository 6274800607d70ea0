"""The end of the cultivation period (N-4.3): the case transition ``eliminate``, performed by
the system actor once the period's last day (inclusive, Shanghai) has passed, for an
organization with no line passed (自然淘汰); it first eliminates every occupation line that has
not passed its question-bank review (line action ``eliminate``), in the same transaction.

An organization with some passed lines is not accepted by the clock: acceptance needs the
leadership group's approval in an acceptance batch (N-4.3, ``evalorg.filing.batches``), so its
case stays cultivating, a candidate for the next batch; only its unfinished lines are
eliminated (``deadlines.sweep_left_lines``). Registered from ``CultivationConfig.ready``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import Refusal, Transition, perform, register
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Tell

from .models import CultivationPeriod

CLAUSE = "N-4.3"
SYSTEM = frozenset({Role.SYSTEM})
Line = ApplicationOccupation.Status
PASSED = frozenset({Line.BANK_PASSED, Line.FILED})
# The line action ``eliminate``'s sources: started and not (yet) passed.
UNFINISHED = frozenset({Line.CULTIVATING, Line.BANK_SUBMITTED, Line.BANK_FAILED})


def _period(application: Application) -> CultivationPeriod | None:
    return CultivationPeriod.objects.filter(application=application).first()


def _day(day: date) -> str:
    return f"{day:%Y年%m月%d日}"


# ---- guards -------------------------------------------------------------------------------


def period_over(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    period = _period(application)
    if period is None:
        return Refusal(CLAUSE, _("该申请没有培育辅导期记录。"))
    if not clock.is_past(period.last_day):
        return Refusal(
            CLAUSE,
            _("培育辅导期至 %(last)s 24 时（含当天，北京时间）结束，期满前不能办理。")
            % {"last": _day(period.last_day)},
        )
    data["_period"] = period
    return None


def _passed_lines(application: Application) -> QuerySet[ApplicationOccupation]:
    return application.occupations.filter(status__in=PASSED)


def no_line_passed(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    if _passed_lines(application).exists():
        return Refusal(CLAUSE, _("已有题库审核通过的职业（工种），待验收批次审定，不能淘汰。"))
    return None


# ---- effects --------------------------------------------------------------------------------


def eliminate_lines(application: Application, actor: User, period: CultivationPeriod) -> list[str]:
    """Eliminate the case's unfinished lines (line action ``eliminate``); their names."""
    reason = _(
        "培育辅导期已于 %(last)s 届满，该职业（工种）题库未通过审核，予以自然淘汰（N-4.3）。"
    ) % {"last": _day(period.last_day)}
    eliminated = []
    for line in application.occupations.filter(status__in=UNFINISHED).select_related("occupation"):
        perform(line, "eliminate", actor, reason=reason)
        eliminated.append(str(line))
    return eliminated


def eliminate_unfinished_lines(application: Application, actor: User, data: dict[str, Any]) -> None:
    data["_eliminated"] = eliminate_lines(application, actor, data["_period"])


def period_values(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    period = data["_period"]
    return {"start": _day(period.starts_on), "last": _day(period.last_day)}


# Each eliminated line is told by its own ``eliminate`` (naming its occupation and level); the
# case's message is about the institution.
TELL_ELIMINATED = Tell(
    Party.APPLICANT,
    _lazy("贵机构培育辅导期届满，予以自然淘汰"),
    _lazy(
        "%(institution)s：\n贵机构的培育辅导期（%(start)s 至 %(last)s）已届满，"
        "期内没有职业（工种）的题库通过审核。根据通知要求（N-4.3），"
        "对贵机构实行自然淘汰，不纳入备案公布名单。"
    ),
    values=period_values,
)


ELIMINATE = Transition(
    action="eliminate",
    label=_("培育期满，自然淘汰（N-4.3）"),
    confirm=_("确定自然淘汰该机构吗？淘汰后不能恢复。"),
    sources=frozenset({State.CULTIVATING}),
    target=State.ELIMINATED,
    roles=SYSTEM,
    guards=(period_over, no_line_passed),
    after=(eliminate_unfinished_lines,),
    style="danger",
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    tell=(TELL_ELIMINATED,),
)


def register_cultivation_transitions() -> None:
    register(ELIMINATE)
