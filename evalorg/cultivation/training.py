"""Exam-administration training (考务培训, N-4.2): sessions held by a city agency (for its city's
institutions) or the provincial center (for all), and who attended.

A session is entered as planned; recording the first attendance marks it held (``hold``, through
``perform()``), in the same transaction as that attendance."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import State
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Nobody,
    Refusal,
    Transition,
    TransitionRefused,
    allows,
    define,
    perform,
)
from evalorg.institutions.models import Institution

from .models import TrainingAttendance, TrainingSession

CLAUSE = "N-4.2"
TRAINING = define(TrainingSession, "status", "training_session")


# The refusal of the role check, said once for the decorator and the helper.
TRAINING_STAFF_ONLY = _lazy("仅地市评价指导机构和省职业技能服务指导中心可以登记考务培训。")


def require_training_staff(user) -> None:
    if not has_role(user, Role.REVIEWING_STAFF) or user.agency_id is None:
        raise PermissionDenied(TRAINING_STAFF_ONLY)


def sessions_for(user) -> QuerySet[TrainingSession]:
    """The sessions a staff user manages: those its own agency organised."""
    return TrainingSession.objects.filter(organiser_id=user.agency_id)


def institutions_for(user) -> QuerySet[Institution]:
    """Institutions in cultivation whose attendance the user may record: a city agency its
    city's, the provincial center all."""
    qs = Institution.objects.filter(applications__state=State.CULTIVATING).distinct()
    if has_role(user, Role.CITY_STAFF):
        qs = qs.filter(city_id=user.agency.division_id)
    elif not has_role(user, Role.PROVINCE_STAFF):
        qs = qs.none()
    return qs.order_by("name")


# ---- the session's workflow ---------------------------------------------------------------


def organised_by_own_agency(session: TrainingSession, user) -> bool:
    return session.organiser_id is not None and session.organiser_id == user.agency_id


def day_has_come(session: TrainingSession, actor, data: dict) -> Refusal | None:
    if session.held_on > clock.today():
        return Refusal(
            CLAUSE,
            _("该考务培训定于 %(day)s 举办，举办前不能登记参训情况。")
            % {"day": f"{session.held_on:%Y年%m月%d日}"},
        )
    return None


HOLD = Transition(
    action="hold",
    label=_("登记参训情况（确认已举办）"),
    sources=frozenset({TrainingSession.Status.PLANNED}),
    target=TrainingSession.Status.HELD,
    roles=Role.REVIEWING_STAFF,
    relation=organised_by_own_agency,
    guards=(day_has_come,),
    audit_fields=("institution",),
    audience=Audience.STAFF,
    tell=Nobody("The organiser records its own session's attendance; it concerns no one else."),
)


def register_training_transitions() -> None:
    TRAINING.register(HOLD)


# ---- services -----------------------------------------------------------------------------


@transaction.atomic
def create_session(user, *, held_on: date, topic: str, place: str) -> TrainingSession:
    """A planned session organised by the user's agency; refused (N-4.2) when dated in the
    past: a session is planned ahead, and its attendance is recorded from its day on."""
    if held_on < clock.today():
        raise TransitionRefused([Refusal("N-4.2", _("培训日期不能早于今天。"))])
    session = TrainingSession.objects.create(
        organiser_id=user.agency_id, held_on=held_on, topic=topic, place=place, created_by=user
    )
    audit.record("training_session_created", session, actor=user, audience=Audience.STAFF)
    return session


@transaction.atomic
def record_attendance(
    session: TrainingSession, user, *, institution: Institution, attendee_name: str, attended: bool
) -> TrainingAttendance:
    """Record one attendee; the first one marks a planned session held (``hold``). Raises
    ``TransitionRefused`` (nothing stored) for another agency's session or before its day, and
    ``IntegrityError`` for a person already recorded."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status == TrainingSession.Status.PLANNED:
        session = perform(session, "hold", user, institution=institution.pk)
    elif not allows(HOLD, session, user):
        raise TransitionRefused([Refusal("SPEC-1", _("您无权登记该考务培训的参训情况。"))])
    row = TrainingAttendance.objects.create(
        session=session,
        institution=institution,
        attendee_name=attendee_name.strip(),
        attended=attended,
        recorded_by=user,
    )
    audit.record(
        "training_attendance_recorded",
        session,
        actor=user,
        data={"attendance": row.pk, "institution": row.institution_id},
        audience=Audience.STAFF,
    )
    return row
