"""On-site defense sessions of the provincial selection (现场答辩, N-4.1.3; SPEC §6.3).

The center schedules the cases the cities sent (state ``province_review``) into sessions of its
selection panel: a date, a start time and a place; the cases follow each other in the round's
``defense_slot_minutes``. Two sessions of one panel never overlap and an institution defends
once per round: every change is checked under a lock on the panel row, so two staff members
cannot slip past each other's check. The applicant is told its slot (never who sits on the
panel), confirms it or asks for another time; unconfirmed slots get one reminder two days
before. Staff record attendance; an absent case scores nothing on the ``defense_*`` items.

The slot's ``state`` moves only by its workflow (``SLOTS``, through ``perform()``): offered →
confirmed / reschedule requested (the applicant, its own case, before the day), → moved (the
center reorders or transfers it: to be confirmed again), → attended / absent (the center, on or
after the day). Every refusal is a ``TransitionRefused`` citing N-4.1.3.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role, User
from evalorg.applications import access
from evalorg.applications.models import Application, State
from evalorg.applications.submission import tell_applicant
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Channel,
    Nobody,
    Party,
    Refusal,
    Tell,
    Transition,
    TransitionRefused,
    define,
    perform,
)
from evalorg.documents.pdf import render_pdf
from evalorg.review.models import Panel, Stage
from evalorg.review.ranking import refresh_case
from evalorg.review.scoring import TemplateItem
from evalorg.review.services import selection_panel
from evalorg.rounds.models import Round

from .models import DefenseSession, DefenseSlot

CLAUSE = "N-4.1.3"
REMIND_DAYS_BEFORE = 2
DEFENSE_PREFIX = "defense_"
SlotState = DefenseSlot.State
# Waiting for the applicant's answer: reminded, and answerable.
UNCONFIRMED = frozenset({SlotState.OFFERED, SlotState.MOVED})
# Not yet held: the center may still move the slot; attendance may be recorded (or corrected).
SCHEDULED = frozenset(
    {SlotState.OFFERED, SlotState.CONFIRMED, SlotState.RESCHEDULE_REQUESTED, SlotState.MOVED}
)
CENTER = frozenset({Role.PROVINCE_STAFF})

SLOTS = define(DefenseSlot, "state", "defense_slot")


def refused(message: str) -> TransitionRefused:
    """A scheduling change the rules forbid (N-4.1.3); raised before anything is changed."""
    return TransitionRefused([Refusal(CLAUSE, message)])


# ---- times ------------------------------------------------------------------------------------


def slot_start(session: DefenseSession, position: int) -> datetime:
    start = datetime.combine(session.date, session.start_time)
    return start + timedelta(minutes=(position - 1) * session.minutes_per_slot)


def session_bounds(session: DefenseSession, n_slots: int) -> tuple[datetime, datetime]:
    """The session's time range. An empty session counts as one slot: it will get one, and a
    session may not start inside another."""
    start = slot_start(session, 1)
    return start, start + timedelta(minutes=max(n_slots, 1) * session.minutes_per_slot)


@dataclass(frozen=True)
class TimedSlot:
    slot: DefenseSlot
    start: time
    end: time


def timed(slot: DefenseSlot) -> TimedSlot:
    start = slot_start(slot.session, slot.position)
    end = start + timedelta(minutes=slot.session.minutes_per_slot)
    return TimedSlot(slot, start.time(), end.time())


def session_rows(session: DefenseSession) -> list[TimedSlot]:
    """The session's slots in order with their times (one query)."""
    slots = session.slots.select_related("application__institution").order_by("position", "pk")
    rows = []
    for slot in slots:
        slot.session = session
        rows.append(timed(slot))
    return rows


def sessions_of(round_: Round) -> QuerySet[DefenseSession]:
    return DefenseSession.objects.filter(round=round_).annotate(n_slots=Count("slots"))


# ---- checks -----------------------------------------------------------------------------------


def _lock_panel(panel: Panel) -> None:
    """Serialise every scheduling change of one panel (and so of one round)."""
    Panel.objects.select_for_update().get(pk=panel.pk)


def _check_no_overlap(session: DefenseSession, n_slots: int) -> None:
    start, end = session_bounds(session, n_slots)
    others = DefenseSession.objects.filter(panel_id=session.panel_id).exclude(pk=session.pk)
    for other in others.annotate(n_slots=Count("slots")):
        other_start, other_end = session_bounds(other, other.n_slots)
        if start < other_end and other_start < end:
            raise refused(
                _(
                    "同一评审组的答辩场次时间不得重叠：%(start)s 至 %(end)s 与已有场次"
                    "（%(other)s，至 %(other_end)s）冲突，未作任何更改。"
                )
                % {
                    "start": f"{start:%Y-%m-%d %H:%M}",
                    "end": f"{end:%H:%M}",
                    "other": str(other),
                    "other_end": f"{other_end:%H:%M}",
                }
            )


def _check_institutions(round_: Round, applications: list[Application]) -> None:
    scheduled = DefenseSlot.objects.filter(session__round=round_)
    taken = set(scheduled.values_list("application__institution_id", flat=True))
    counts = Counter(a.institution_id for a in applications)
    for application in applications:
        if application.institution_id in taken or counts[application.institution_id] > 1:
            raise refused(
                _("%(name)s 在本批次只能安排一次现场答辩，不能占用两个答辩时段，未作任何更改。")
                % {"name": application.institution.name}
            )


# ---- scheduling -------------------------------------------------------------------------------


def create_session(
    round_: Round, actor: User, *, day: date, start_time: time, place: str
) -> DefenseSession:
    if day < clock.today():
        # A sitting is planned ahead: one dated in the past could only record what never
        # happened (issue 19: "a defense session dated in the past is accepted").
        raise refused(_("答辩日期不能早于今天。"))
    panel = selection_panel(round_, actor)
    with transaction.atomic():
        _lock_panel(panel)
        session = DefenseSession(
            round=round_,
            panel=panel,
            date=day,
            start_time=start_time,
            place=place,
            minutes_per_slot=round_.defense_slot_minutes,
            created_by=actor,
            created_at=clock.now(),
        )
        _check_no_overlap(session, 0)
        session.save()
        audit.record(
            "defense_session_created",
            session,
            actor=actor,
            data={"round": round_.pk, "panel": panel.pk, **_when(session)},
            audience=Audience.STAFF,
        )
    return session


def candidates(round_: Round) -> QuerySet[Application]:
    """Cases in the provincial selection of ``round_`` without a defense slot yet."""
    in_slot = DefenseSlot.objects.filter(application=OuterRef("pk"))
    return (
        Application.objects.filter(
            round=round_,
            state=State.PROVINCE_REVIEW,
            review_stages__stage=Stage.PROVINCE_SELECTION,
        )
        .exclude(Exists(in_slot))
        .select_related("institution")
        .order_by("submitted_at", "pk")
    )


def add_cases(session: DefenseSession, ids: Iterable[int], actor: User) -> list[DefenseSlot]:
    """Append the chosen cases to the session, all or nothing, and tell each applicant."""
    wanted = set(ids)
    with transaction.atomic():
        _lock_panel(session.panel)
        applications = list(candidates(session.round).filter(pk__in=wanted))
        if not wanted or len(applications) != len(wanted):
            raise refused(_("所选申请须处于省级遴选评审阶段且尚未安排答辩，请刷新页面后重试。"))
        _check_institutions(session.round, applications)
        count = session.slots.count()
        _check_no_overlap(session, count + len(applications))
        slots = []
        for offset, application in enumerate(applications, start=1):
            slot = DefenseSlot.objects.create(
                session=session, application=application, position=count + offset
            )
            _record(slot, "defense_slot_added", actor, Audience.APPLICANT)
            _tell_applicant(slot, _("现场答辩安排通知"))
            slots.append(slot)
    return slots


def move(slot: DefenseSlot, direction: str, actor: User) -> None:
    """Swap the slot with its neighbour above (``up``) or below (``down``)."""
    step = -1 if direction == "up" else 1
    with transaction.atomic():
        _lock_panel(slot.session.panel)
        neighbour = DefenseSlot.objects.filter(
            session=slot.session, position=slot.position + step
        ).first()
        if neighbour is None:
            raise refused(_("已是第一位或最后一位，无法继续移动。"))
        new_order = {s.pk: s.position for s in slot.session.slots.all()}
        new_order[slot.pk], new_order[neighbour.pk] = neighbour.position, slot.position
        _apply_order(slot.session, new_order, actor)


def renumber(session: DefenseSession, positions: dict[int, int], actor: User) -> None:
    """Give every slot a new position; the positions must be 1..n, each once."""
    with transaction.atomic():
        _lock_panel(session.panel)
        current = set(session.slots.values_list("pk", flat=True))
        n = len(current)
        if set(positions) != current or sorted(positions.values()) != list(range(1, n + 1)):
            raise refused(
                _("新的顺序必须为 1 至 %(n)d 的编号，每个编号只用一次，未作任何更改。") % {"n": n}
            )
        _apply_order(session, positions, actor)


def _apply_order(session: DefenseSession, positions: dict[int, int], actor: User) -> None:
    """Each slot whose position changes is moved by ``move_defense`` (all or nothing: the
    caller's transaction), after the session's order is audited."""
    slots = list(session.slots.order_by("pk"))
    changed = [s for s in slots if s.position != positions[s.pk]]
    audit.record(
        "defense_reordered",
        session,
        actor=actor,
        data={"order": {str(s.pk): positions[s.pk] for s in slots}},
        audience=Audience.STAFF,
    )
    for slot in changed:
        perform(slot, "move_defense", actor, session=session.pk, position=positions[slot.pk])


def transfer(slot: DefenseSlot, target: DefenseSession, actor: User) -> None:
    """Move a case to the end of another session of the round (e.g. after a change request)."""
    source = slot.session
    if target.round_id != source.round_id or target.pk == source.pk:
        raise refused(_("只能调整到本批次的另一个答辩场次。"))
    with transaction.atomic():
        _lock_panel(source.panel)
        _check_no_overlap(target, target.slots.count() + 1)
        old_position = slot.position
        perform(slot, "move_defense", actor, session=target.pk, position=target.slots.count() + 1)
        for later in source.slots.filter(position__gt=old_position).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])


# ---- the slot's workflow: the applicant's answer, moves and the attendance --------------------


def is_own_slot(slot: DefenseSlot, user: User) -> bool:
    return access.is_own(slot.application, user)


def is_center(slot: DefenseSlot, user: User) -> bool:
    return user.agency_id is not None and user.agency_id == slot.session.panel.agency_id


def not_yet_held(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> Refusal | None:
    if slot.session.date < clock.today():
        return Refusal(CLAUSE, _("答辩已举行，不能再确认或申请调整。"))
    return None


def session_begins(session: DefenseSession) -> datetime:
    """The session's start as an instant (its date and time are Shanghai wall time)."""
    return slot_start(session, 1).replace(tzinfo=clock.SHANGHAI)


def _begins_text(session: DefenseSession) -> str:
    return f"{session.date:%Y年%m月%d日} {session.start_time:%H:%M}"


def day_reached(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> Refusal | None:
    """Attendance opens when the session begins, not at midnight of its day (N-4.1.3)."""
    if clock.now() < session_begins(slot.session):
        return Refusal(
            CLAUSE,
            _("答辩将于%(at)s开始，开始后方可登记出席情况。") % {"at": _begins_text(slot.session)},
        )
    return None


def defense_held(sheet: Any, actor: User, data: dict[str, Any]) -> Refusal | None:
    """A provincial selection sheet carries the defense items: it is submitted only once the
    case's defense session has begun (N-4.1.3). Other stages' sheets are not concerned."""
    if sheet.panel.stage != Stage.PROVINCE_SELECTION:
        return None
    slot = (
        DefenseSlot.objects.filter(application_id=sheet.application_id)
        .select_related("session")
        .first()
    )
    if slot is None:
        return Refusal(CLAUSE, _("该申请尚未安排现场答辩，答辩评分项暂不能提交。"))
    if clock.now() < session_begins(slot.session):
        return Refusal(
            CLAUSE,
            _("现场答辩将于%(at)s开始，开始后方可提交含答辩评分项的评估表。")
            % {"at": _begins_text(slot.session)},
        )
    return None


def _slot_data(slot: DefenseSlot, data: dict[str, Any]) -> None:
    """What the slot's events carry: its session, position and time (never the panel)."""
    row = timed(slot)
    data.update(
        application=slot.application_id,
        session=slot.session_id,
        position=slot.position,
        **_when(slot.session),
        slot_start=row.start.strftime("%H:%M"),
    )


def _confirmed(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    slot.confirmed_at = clock.now()
    slot.change_reason = ""
    _slot_data(slot, data)


def _change_requested(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    slot.confirmed_at = None
    slot.change_reason = str(data["reason"]).strip()[:500]
    _slot_data(slot, data)


def _request_answered(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    """The time stays; the applicant's request is answered and it confirms the slot again."""
    slot.change_reason = ""
    _slot_data(slot, data)


def _moved(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    """The slot's new session and position (``data``); the applicant answers again."""
    slot.session = DefenseSession.objects.get(pk=data["session"])
    slot.position = int(data["position"])
    slot.confirmed_at = None
    slot.reminded_at = None
    slot.change_reason = ""
    _slot_data(slot, data)


def _attendance(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    _slot_data(slot, data)


def _refresh_ranking(slot: DefenseSlot, actor: User, data: dict[str, Any]) -> None:
    """An absence changes the case's counted scores (N-4.1.3): its stored aggregate follows."""
    refresh_case(slot.application, Stage.PROVINCE_SELECTION)


SLOT_FIELDS = ("application", "session", "position", "date", "start_time", "place", "slot_start")


def register_defense_transitions() -> None:
    SLOTS.register(
        Transition(
            action="confirm_defense",
            label=_("确认参加"),
            sources=frozenset({*UNCONFIRMED, SlotState.RESCHEDULE_REQUESTED}),
            target=SlotState.CONFIRMED,
            roles=frozenset({Role.APPLICANT}),
            relation=is_own_slot,
            guards=(not_yet_held,),
            effects=(_confirmed,),
            style="success",
            audit_fields=SLOT_FIELDS,
            audience=Audience.APPLICANT,
            tell=Nobody("The applicant's own answer; the center reads it on the session page."),
        ),
        Transition(
            action="request_reschedule",
            label=_("申请调整时间"),
            sources=frozenset({*UNCONFIRMED, SlotState.CONFIRMED}),
            target=SlotState.RESCHEDULE_REQUESTED,
            roles=frozenset({Role.APPLICANT}),
            relation=is_own_slot,
            guards=(not_yet_held,),
            effects=(_change_requested,),
            tell=(
                Tell(
                    Party.PROVINCE,
                    _("%(institution)s 申请调整现场答辩时间"),
                    "%(reason)s",
                    channel=Channel.IN_APP,
                ),
            ),
            needs_reason=True,
            style="outline-secondary",
            audit_fields=("reason", *SLOT_FIELDS),
            audience=Audience.APPLICANT,
            reason_to_applicant=True,
        ),
        # The center answers a request for another time (N-4.1.3): it accepts by moving the slot
        # (``move_defense``) or refuses with a reason; the slot is then offered again as it was.
        Transition(
            action="refuse_reschedule",
            label=_("不同意调整"),
            sources=frozenset({SlotState.RESCHEDULE_REQUESTED}),
            target=SlotState.OFFERED,
            roles=CENTER,
            relation=is_center,
            guards=(not_yet_held,),
            effects=(_request_answered,),
            tell=(
                Tell(
                    Party.APPLICANT,
                    _("现场答辩时间调整申请未获同意"),
                    _(
                        "%(institution)s：\n贵机构申请调整现场答辩时间，经省职业技能服务指导中心研究，"
                        "不予调整，请按原定时间参加答辩并在申请详情页确认：%(slot)s%(reason_line)s"
                    ),
                    values=lambda slot, data: {"slot": slot_text(slot)},
                ),
            ),
            needs_reason=True,
            style="outline-danger",
            audit_fields=("reason", *SLOT_FIELDS),
            audience=Audience.APPLICANT,
            reason_to_applicant=True,
        ),
        Transition(
            action="move_defense",
            label=_("调整答辩时间"),
            sources=SCHEDULED,
            target=SlotState.MOVED,
            roles=CENTER,
            relation=is_center,
            effects=(_moved,),
            tell=(
                Tell(
                    Party.APPLICANT,
                    _("现场答辩时间调整通知"),
                    "%(slot)s",
                    values=lambda slot, data: {"slot": slot_text(slot)},
                ),
            ),
            style="outline-primary",
            audit_fields=SLOT_FIELDS,
            audience=Audience.APPLICANT,
        ),
        Transition(
            action="mark_attended",
            label=_("出席"),
            sources=SCHEDULED | {SlotState.ABSENT},
            target=SlotState.ATTENDED,
            roles=CENTER,
            relation=is_center,
            guards=(day_reached,),
            effects=(_attendance,),
            after=(_refresh_ranking,),
            style="outline-success",
            audit_fields=SLOT_FIELDS,
            tell=Nobody("Attendance is the center's record; the scores it changes stay internal."),
        ),
        Transition(
            action="mark_absent",
            label=_("缺席"),
            sources=SCHEDULED | {SlotState.ATTENDED},
            target=SlotState.ABSENT,
            roles=CENTER,
            relation=is_center,
            guards=(day_reached,),
            effects=(_attendance,),
            after=(_refresh_ranking,),
            style="outline-danger",
            audit_fields=SLOT_FIELDS,
            tell=Nobody("Attendance is the center's record; the scores it changes stay internal."),
        ),
    )


def respond(slot: DefenseSlot, actor: User, *, confirm: bool, reason: str = "") -> DefenseSlot:
    """The applicant confirms its slot or asks for another time with a reason."""
    if confirm:
        moved: DefenseSlot = perform(slot, "confirm_defense", actor)
    else:
        moved = perform(slot, "request_reschedule", actor, reason=reason.strip())
    return moved


ATTENDANCE_ACTIONS = {"present": "mark_attended", "absent": "mark_absent"}


def mark_attendance(slot: DefenseSlot, attendance: str, actor: User) -> DefenseSlot:
    """``present`` or ``absent`` (the page's buttons, the simulation) by its transition."""
    action = ATTENDANCE_ACTIONS.get(attendance, attendance)
    if action not in ("mark_attended", "mark_absent"):
        raise refused(_("请选择出席或缺席。"))
    moved: DefenseSlot = perform(slot, action, actor)
    return moved


def absent_application_ids(round_: Round) -> set[int]:
    """Cases of ``round_`` recorded absent from their defense (for the province ranking)."""
    absent = DefenseSlot.objects.filter(session__round=round_, state=SlotState.ABSENT)
    return set(absent.values_list("application_id", flat=True))


def defense_adjusted_scores(
    scores: dict[str, Any],
    absent: bool,
    items: Iterable[TemplateItem],
    rule: str = Round.AbsenceScoring.ZERO_DEFENSE_ITEMS,
) -> dict[str, Any]:
    """One expert's ``{item_code: points}`` as it counts for the ranking: an absent case gets
    0 on every ``defense_*`` item (round setting ``absence_scoring``). Returns a new dict."""
    adjusted = dict(scores)
    if absent and rule == Round.AbsenceScoring.ZERO_DEFENSE_ITEMS:
        codes = {i.code for i in items} | set(scores)
        for code in codes:
            if code.startswith(DEFENSE_PREFIX):
                adjusted[code] = 0
    return adjusted


# ---- notices and reminders --------------------------------------------------------------------


def _when(session: DefenseSession) -> dict[str, Any]:
    return {
        "date": session.date.isoformat(),
        "start_time": session.start_time.strftime("%H:%M"),
        "place": session.place,
    }


def _record(slot: DefenseSlot, action: str, actor: User, audience: str, **extra: Any) -> None:
    row = timed(slot)
    data = {
        "application": slot.application_id,
        "session": slot.session_id,
        "position": slot.position,
        **_when(slot.session),
        "slot_start": row.start.strftime("%H:%M"),
        **extra,
    }
    audit.record(action, slot, actor=actor, data=data, audience=audience)


def slot_text(slot: DefenseSlot) -> str:
    """What the applicant is told: date, time and place, never the panel."""
    row = timed(slot)
    return _(
        "贵机构的现场答辩安排如下：%(date)s %(start)s—%(end)s，地点：%(place)s，顺序第 %(n)d 位。"
        "请登录系统确认，或说明理由申请调整时间（N-4.1.3）。"
    ) % {
        "date": f"{slot.session.date:%Y年%m月%d日}",
        "start": f"{row.start:%H:%M}",
        "end": f"{row.end:%H:%M}",
        "place": slot.session.place,
        "n": slot.position,
    }


def _tell_applicant(slot: DefenseSlot, subject: str) -> None:
    application = slot.application
    tell_applicant(application, subject, slot_text(slot))


def remind_unconfirmed() -> str:
    """Sweep: one reminder per unconfirmed slot from two days before its session."""
    today = clock.today()
    due = (
        DefenseSlot.objects.filter(
            state__in=UNCONFIRMED,
            reminded_at__isnull=True,
            session__date__gte=today,
            session__date__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        )
        .select_related("session", "application__institution")
        .select_for_update(skip_locked=True, of=("self",))
    )
    sent = 0
    for slot in due:
        slot.reminded_at = clock.now()
        slot.save(update_fields=["reminded_at"])
        _tell_applicant(slot, _("请确认现场答辩安排（提醒）"))
        sent += 1
    return f"defense reminders sent {sent}"


# ---- the sign-in sheet ------------------------------------------------------------------------


def signin_pdf_bytes(session: DefenseSession) -> bytes:
    return render_pdf(
        "selection/defense/signin_pdf.html",
        {"session": session, "rows": session_rows(session), "generated_at": clock.now()},
    )
