"""Creating and publishing notices, filing objections, ending the period (N-4.1.3)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from evalorg.applications.models import Application, ApplicationOccupation, State, group_lines
from evalorg.applications.workflow import Refusal, TransitionRefused, perform
from evalorg.core import audit, clock
from evalorg.core.files import atomic_uploads, store_upload
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import swept

from .lookups import open_objections, upheld_objections
from .models import NoticeEntry, Objection, PublicityNotice, publicity_end

CLAUSE = "N-4.1.3"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
EVIDENCE_KINDS = ["pdf", "jpeg", "png", "docx"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def render_body(template: str, values: dict[str, object]) -> str:
    """Fill ``{name}`` placeholders; unknown names and stray braces are left as written."""
    return PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


def _snapshot(application: Application, order: int) -> NoticeEntry:
    institution = application.institution
    return NoticeEntry(
        application=application,
        order=order,
        name=institution.name,
        city=institution.city.name,
        category=institution.get_category_display(),
        occupations=[str(group) for group in group_lines(application.occupations.all())],
    )


def approved_cases(round_: Round, user) -> list[Application]:
    lines = ApplicationOccupation.objects.exclude(
        status=ApplicationOccupation.Status.EXCLUDED
    ).select_related("occupation")
    return list(
        Application.objects.for_user(user)
        .filter(round=round_, state=State.LEADERSHIP_APPROVED)
        .select_related("institution__city")
        .prefetch_related(Prefetch("occupations", queryset=lines))
        .order_by("institution__name")
    )


@transaction.atomic
def create_notice(
    *,
    round_: Round,
    cases: Sequence[Application],
    title: str,
    starts_on: date,
    objections_to: str,
    template: str,
    user,
) -> PublicityNotice:
    """A draft notice (not public). Raises ``CalendarYearMissing`` when the calendar lacks a
    year of the period."""
    days = round_.publicity_working_days
    ends_on = publicity_end(starts_on, days)
    values = {
        "notice": round_.governing_notice(),
        "round": round_.name,
        "year": round_.year,
        "count": len(cases),
        "start": f"{starts_on:%Y年%m月%d日}",
        "end": f"{ends_on:%Y年%m月%d日}",
        "days": days,
        "objections_to": objections_to,
    }
    notice = PublicityNotice.objects.create(
        round=round_,
        title=title,
        body=render_body(template, values),
        starts_on=starts_on,
        ends_on=ends_on,
        working_days=days,
        objections_to=objections_to,
        created_by=user,
    )
    entries = [_snapshot(case, i) for i, case in enumerate(cases, start=1)]
    for entry in entries:
        entry.notice = notice
    NoticeEntry.objects.bulk_create(entries)
    audit.record(
        "notice_created",
        notice,
        actor=user,
        data={"cases": [c.pk for c in cases]},
        audience=audit.Audience.STAFF,
    )
    return notice


def publish_notice(notice: PublicityNotice, user) -> PublicityNotice:
    """Publish (the notice's ``publish``): the notice and every listed case move together, all
    or nothing; raises ``TransitionRefused`` (``BatchRefused`` naming the refused cases)."""
    return perform(notice, "publish", user)


# ---- objections ---------------------------------------------------------------------------


def objection_window_refusal(notice: PublicityNotice) -> Refusal | None:
    """Objections are taken only during the period, inclusive, Shanghai time (N-4.1.3)."""
    if not notice.is_published or not notice.has_started():
        return Refusal(
            CLAUSE,
            _("公示期自 %(start)s 开始，公示期开始前不受理异议。")
            % {"start": f"{notice.starts_on:%Y年%m月%d日}"},
        )
    if notice.has_ended():
        return Refusal(
            CLAUSE,
            _("公示期已于 %(end)s 24 时（北京时间）结束，逾期提出的异议不予受理。")
            % {"end": f"{notice.ends_on:%Y年%m月%d日}"},
        )
    return None


def identity_refusal(name: str, phone: str, email: str) -> Refusal | None:
    if not name.strip() or not (phone.strip() or email.strip()):
        return Refusal(CLAUSE, _("异议须署真实姓名并留下联系电话或电子邮箱，匿名反映不予受理。"))
    return None


def next_number(year: int) -> str:
    """``YY-2023-0001``: per year, counted under a lock on the year's notices."""
    prefix = f"YY-{year}-"
    list(PublicityNotice.objects.select_for_update().filter(starts_on__year=year))
    taken = Objection.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def file_objection(
    notice: PublicityNotice,
    entry: NoticeEntry,
    *,
    name: str,
    phone: str,
    email: str,
    grounds: str,
    evidence=None,
) -> Objection:
    """Record an objection; raises ``TransitionRefused`` (nothing stored) when it is anonymous or
    outside the period, ``UploadRefused`` for bad evidence."""
    refusal = identity_refusal(name, phone, email) or objection_window_refusal(notice)
    if refusal:
        raise TransitionRefused([refusal])
    if entry.notice_id != notice.pk:
        raise TransitionRefused([Refusal(CLAUSE, _("所选机构不在本次公示名单中。"))])
    with atomic_uploads():
        stored = None
        if evidence:
            stored = store_upload(
                evidence, allowed_kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, user=None
            )
        objection = Objection.objects.create(
            notice=notice,
            entry=entry,
            number=next_number(notice.starts_on.year),
            objector_name=name.strip(),
            objector_phone=phone.strip(),
            objector_email=email.strip(),
            grounds=grounds,
            evidence=stored,
            created_at=clock.now(),
        )
        audit.record("objection_filed", objection, data={"number": objection.number})
    return objection


# ---- end of the period --------------------------------------------------------------------


@dataclass
class EndReport:
    cultivating: list[Application] = field(default_factory=list)
    upheld: list[Application] = field(default_factory=list)
    waiting: list[Application] = field(default_factory=list)

    def summary(self) -> str:
        return _("进入培育 %(c)s 家，异议成立 %(u)s 家，待处理异议 %(w)s 家") % {
            "c": len(self.cultivating),
            "u": len(self.upheld),
            "w": len(self.waiting),
        }


def _upheld_reason(application: Application, notice: PublicityNotice) -> str:
    return "；".join(o.resolution for o in upheld_objections(application, notice))


@transaction.atomic
def end_notice(notice: PublicityNotice, actor) -> EndReport:
    """Close the period: the notice's cases still in publicity move (those with an objection
    still open wait), and a published notice moves ``end``, in one transaction. Idempotent.
    Raises ``TransitionRefused`` while the period runs."""
    report = EndReport()
    notice = _lock_notice(notice)
    cases = Application.objects.filter(notice_entries__notice=notice, state=State.IN_PUBLICITY)
    _lock_cases_first(cases)
    for case in cases.select_related("institution", "round"):
        settle_case(case, notice, actor, report)
    if notice.status != PublicityNotice.Status.ENDED:  # a draft is refused here
        perform(notice, "end", actor)
    return report


def settle_case(
    case: Application, notice: PublicityNotice, actor, report: EndReport | None = None
) -> EndReport:
    """Move one case of a notice whose period is over (its notice and case rows locked by the
    caller): it waits while an objection against it is open, ends in ``objection_upheld`` when
    one was upheld, else goes on to cultivation."""
    report = report if report is not None else EndReport()
    if open_objections(case, notice).exists() and notice.has_ended():
        report.waiting.append(case)
    elif upheld_objections(case, notice).exists():
        reason = _upheld_reason(case, notice)
        report.upheld.append(perform(case, "uphold_objection", actor, reason=reason))
    else:
        report.cultivating.append(perform(case, "end_publicity", actor))
    return report


def _lock_notice(notice: PublicityNotice) -> PublicityNotice:
    """The notice's row first (as ``perform()`` of its ``publish`` does), then its cases."""
    return PublicityNotice.objects.select_for_update().get(pk=notice.pk)


def _lock_cases_first(cases) -> None:
    """Inside a transaction (the sweep), lock every case of the notice in primary-key order
    before moving any, so that this sweep and any other transaction moving several of them
    lock them in one order and never wait for each other in a cycle (core.workflow.perform_many
    does the same for batches)."""
    if transaction.get_connection().in_atomic_block:
        list(
            Application.objects.filter(pk__in=cases.values("pk"))
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def sweep_publicity_end() -> str:
    """Every public notice whose end date has passed and that is still published or still has
    cases in publicity (the ``publicity_end`` sweep)."""
    from evalorg.accounts.system import system_actor

    actor = system_actor()
    total = EndReport()
    candidates = PublicityNotice.objects.filter(
        Q(status=PublicityNotice.Status.PUBLISHED)
        | Q(
            status=PublicityNotice.Status.ENDED,
            entries__application__state=State.IN_PUBLICITY,
        ),
        swept("round__"),
        ends_on__lt=clock.today(),
    ).distinct()
    for notice in candidates:
        report = end_notice(notice, actor)
        total.cultivating += report.cultivating
        total.upheld += report.upheld
        total.waiting += report.waiting
    return total.summary()
