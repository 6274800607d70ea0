"""The cultivation clock's sweeps (N-4.2, N-4.3), registered from ``CultivationConfig.ready``.

``cultivation_reminders``: e-mail and in-app reminders 30 and 7 days before the period's last
day and on the last day. Each kind goes out once per period (a ``Reminder`` row, unique per
period and kind); a sweep that missed days sends only the latest reminder due, never an earlier
one afterwards.

``cultivation_elimination``: once the last day has ended (23:59:59.999999 Shanghai), the system
actor performs ``eliminate`` on a case with no line passed (its lines with it). The clock never
accepts or files a case: one with a passed line stays cultivating until the leadership group
approves it in an acceptance batch (N-4.3, ``evalorg.filing.batches``; it stays among
``candidates``). Then the lines still unfinished of every other case whose period is over
(still cultivating with a passed line and waiting for a batch, filed early for its other
lines, withdrawn) are eliminated the same way: every line is done with at the end of the
period, whatever its case's state (N-4.2, N-4.3). A second run finds nothing left to do.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from evalorg.applications.models import ApplicationOccupation, State
from evalorg.applications.workflow import perform
from evalorg.core import clock
from evalorg.rounds.simulated import swept

from .models import CultivationPeriod, Reminder
from .notifications import tell_institution
from .transitions import PASSED, UNFINISHED, eliminate_lines

# Kind and how many days before the last day it is due, latest last.
SCHEDULE = [(Reminder.Kind.DAYS_30, 30), (Reminder.Kind.DAYS_7, 7), (Reminder.Kind.LAST_DAY, 0)]


def days_left(period: CultivationPeriod, today: date) -> int:
    """Days after today up to and including the last day (0 on the last day itself)."""
    return (period.last_day - today).days


def due_kind(period: CultivationPeriod, today: date) -> str | None:
    """The latest reminder whose day has come, or None (too early, or the period is over)."""
    left = days_left(period, today)
    if left < 0:
        return None
    due = [kind for kind, before in SCHEDULE if left <= before]
    return due[-1] if due else None


def _remind(period: CultivationPeriod, kind: str, today: date) -> None:
    application = period.application
    last = f"{period.last_day:%Y年%m月%d日}"
    left = days_left(period, today)
    if kind == Reminder.Kind.LAST_DAY:
        subject = _("今天是贵机构培育辅导期的最后一天")
        lead = _("今天（%(last)s）是贵机构培育辅导期的最后一天。") % {"last": last}
    else:
        subject = _("贵机构培育辅导期还剩 %(n)s 天") % {"n": left}
        lead = _("贵机构培育辅导期最后一天为 %(last)s，还剩 %(n)s 天。") % {"last": last, "n": left}
    body = _(
        "%(name)s：\n%(lead)s请抓紧完成考务培训和试题开发任务并提交审核；"
        "培育期终止时未通过审核的职业（工种）将自然淘汰，不纳入备案名单（N-4.3）。"
    ) % {"name": application.institution.name, "lead": lead}
    tell_institution(application, subject, body)


def sweep_reminders() -> str:
    today = clock.today()
    open_lines = ApplicationOccupation.objects.filter(
        application=OuterRef("application"), status__in=UNFINISHED
    )
    periods = (
        CultivationPeriod.objects.annotate(has_open_line=Exists(open_lines))
        .filter(
            # A case accepted or filed early whose other lines run to the same last day is
            # reminded for them (N-4.2, 成熟一批); a withdrawn or eliminated one is not.
            Q(application__state=State.CULTIVATING)
            | Q(application__state__in=[State.ACCEPTED, State.FILED], has_open_line=True),
            swept("application__round__"),
            last_day__gte=today,
            last_day__lte=today + timedelta(days=SCHEDULE[0][1]),
        )
        .select_related("application__institution")
        .order_by("pk")
    )
    sent = 0
    for period in periods:
        kind = due_kind(period, today)
        if kind is None:
            continue
        _reminder, created = Reminder.objects.get_or_create(
            period=period, kind=kind, defaults={"sent_at": clock.now()}
        )
        if created:
            _remind(period, kind, today)
            sent += 1
    return f"reminders sent {sent}"


def sweep_elimination() -> str:
    from evalorg.accounts.system import system_actor

    system = system_actor()
    passed = ApplicationOccupation.objects.filter(
        application=OuterRef("application"), status__in=PASSED
    )
    periods = (
        CultivationPeriod.objects.filter(
            swept("application__round__"),
            application__state=State.CULTIVATING,
            last_day__lt=clock.today(),
        )
        .exclude(Exists(passed))  # those wait for an acceptance batch (N-4.3)
        .select_related("application")
        .order_by("pk")
    )
    eliminated = 0
    for period in periods:
        if not clock.is_past(period.last_day):
            continue
        last = f"{period.last_day:%Y年%m月%d日}"
        reason = _(
            "培育辅导期已于 %(last)s 届满，没有职业（工种）题库通过审核，自然淘汰（N-4.3）。"
        ) % {"last": last}
        perform(period.application, "eliminate", system, reason=reason)
        eliminated += 1
    lines = sweep_left_lines(system)
    return f"eliminated {eliminated}, lines {lines}"


def sweep_left_lines(system) -> int:
    """Lines still unfinished after the period of a case not eliminated with them: still
    cultivating with a passed line (waiting for an acceptance batch), filed or accepted early
    for other lines, withdrawn. Eliminated like the case's own would have been at the end
    (N-4.2, N-4.3), each line's ``eliminate`` telling the institution. Returns how many."""
    unfinished = ApplicationOccupation.objects.filter(
        application=OuterRef("application"), status__in=UNFINISHED
    )
    periods = (
        CultivationPeriod.objects.filter(swept("application__round__"), last_day__lt=clock.today())
        .filter(Exists(unfinished))
        .select_related("application__institution")
        .order_by("pk")
    )
    count = 0
    for period in periods:
        if not clock.is_past(period.last_day):
            continue
        count += len(eliminate_lines(period.application, system, period))
    return count
