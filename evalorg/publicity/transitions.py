"""Publicity's transitions (N-4.1.3): publish, end_publicity and uphold_objection on the case,
the notice's workflow (publish, end) and the objection's (investigate, uphold, dismiss).
Registered from ``PublicityConfig.ready`` because publicity sits above applications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal, Transition, perform_many, register
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.clock import CalendarYearMissing
from evalorg.core.workflow import Channel, Nobody, Party, Tell, define

from .documents import build_notice_pdf
from .lookups import notice_of, open_objections, upheld_objections
from .models import NoticeEntry, Objection, PublicityNotice, publicity_end
from .notifications import register_objector

CLAUSE = "N-4.1.3"
PROVINCE = frozenset({Role.PROVINCE_STAFF})
SYSTEM_OR_PROVINCE = frozenset({Role.SYSTEM, Role.PROVINCE_STAFF})
NOTICES = define(PublicityNotice, "status", "publicity_notice")
OBJECTIONS = define(Objection, "status", "objection")
register_objector()


def _notice(application: Application, data: dict[str, Any]) -> PublicityNotice | None:
    if "_notice" not in data:
        data["_notice"] = notice_of(application)
    notice: PublicityNotice | None = data["_notice"]
    return notice


# ---- guards -------------------------------------------------------------------------------


def on_this_notice(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    if not NoticeEntry.objects.filter(
        notice_id=data.get("notice"), application=application
    ).exists():
        return Refusal(CLAUSE, _("该申请不在本次公示名单中。"))
    return None


def approved_by_leadership(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    """Nothing reaches publicity without a recorded leadership decision approving it."""
    from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry

    if not LeadershipApprovalEntry.objects.filter(
        application=application,
        approved=True,
        approval__kind=LeadershipApproval.Kind.SELECTION,
        approval__status=LeadershipApproval.Status.APPROVED,
    ).exists():
        return Refusal(CLAUSE, _("该申请没有遴选工作领导小组审定同意的记录，不能公示。"))
    return None


def _still_running(notice: PublicityNotice) -> Refusal | None:
    """The refusal of ending anything before the notice's last day is over."""
    if notice.has_ended():
        return None
    return Refusal(
        CLAUSE,
        _("公示期至 %(end)s 24 时（含当天，北京时间）结束，公示期内不能办结。")
        % {"end": f"{notice.ends_on:%Y年%m月%d日}"},
    )


def period_over(application: Application, actor: User, data: dict[str, Any]) -> Refusal | None:
    notice = _notice(application, data)
    if notice is None:
        return Refusal(CLAUSE, _("未找到该申请的公示公告。"))
    return _still_running(notice)


def no_open_objection(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    notice = _notice(application, data)
    if notice and open_objections(application, notice).exists():
        return Refusal(CLAUSE, _("针对该机构的异议尚未办结，请先处理异议。"))
    return None


def no_upheld_objection(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    notice = _notice(application, data)
    if notice and upheld_objections(application, notice).exists():
        return Refusal(CLAUSE, _("针对该机构的异议成立，不能进入培育辅导期。"))
    return None


def has_upheld_objection(
    application: Application, actor: User, data: dict[str, Any]
) -> Refusal | None:
    notice = _notice(application, data)
    if notice is None or not upheld_objections(application, notice).exists():
        return Refusal(CLAUSE, _("没有成立的异议。"))
    return None


# ---- effects --------------------------------------------------------------------------------


def _dates(notice: PublicityNotice) -> dict[str, str]:
    return {"start": f"{notice.starts_on:%Y年%m月%d日}", "end": f"{notice.ends_on:%Y年%m月%d日}"}


def notice_values(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    notice = PublicityNotice.objects.get(pk=data["notice"])
    return {"title": notice.title, **_dates(notice)}


def begin_cultivation(application: Application, actor: User, data: dict[str, Any]) -> None:
    """Open the 180-day period (from the day after the publicity, or today if held later) and
    move the requested occupation lines; excluded lines stay excluded."""
    from evalorg.cultivation.services import start_cultivation

    notice = _notice(application, data)  # the guard period_over found it
    starts_on = max(notice.ends_on + timedelta(days=1), clock.today())  # type: ignore[union-attr]
    data["_period"] = start_cultivation(application, starts_on)


def period_values(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    period = data["_period"]
    return {"start": f"{period.starts_on:%Y年%m月%d日}", "last": f"{period.last_day:%Y年%m月%d日}"}


CASE_TRANSITIONS = (
    Transition(
        action="publish",
        label=_("发布公示"),
        sources=frozenset({State.LEADERSHIP_APPROVED}),
        target=State.IN_PUBLICITY,
        roles=PROVINCE,
        guards=(approved_by_leadership, on_this_notice),
        audit_fields=("notice",),
        audience=Audience.APPLICANT,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("贵机构已进入公示（%(start)s 至 %(end)s）"),
                _lazy(
                    "贵机构已列入“%(title)s”，公示期为 %(start)s 至 %(end)s。"
                    "公示期满无异议的，次日进入培育辅导期。"
                ),
                values=notice_values,
            ),
        ),
    ),
    Transition(
        action="end_publicity",
        label=_("公示期满，进入培育"),
        sources=frozenset({State.IN_PUBLICITY}),
        target=State.CULTIVATING,
        roles=SYSTEM_OR_PROVINCE,
        guards=(period_over, no_open_objection, no_upheld_objection),
        after=(begin_cultivation,),
        style="success",
        audience=Audience.APPLICANT,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("贵机构公示期满，已进入培育辅导期"),
                _lazy(
                    "公示期满无异议，贵机构自 %(start)s 起进入培育辅导期，"
                    "培育期最后一天为 %(last)s（N-4.2）。"
                ),
                values=period_values,
            ),
        ),
    ),
    Transition(
        action="uphold_objection",
        label=_("异议成立，终止遴选"),
        confirm=_("确定因异议成立终止该机构的遴选吗？不能撤销。"),
        sources=frozenset({State.IN_PUBLICITY}),
        target=State.OBJECTION_UPHELD,
        roles=SYSTEM_OR_PROVINCE,
        guards=(period_over, no_open_objection, has_upheld_objection),
        needs_reason=True,
        style="danger",
        audience=Audience.APPLICANT,
        reason_to_applicant=True,
        tell=(
            Tell(
                Party.APPLICANT,
                _lazy("公示期间针对贵机构的异议成立"),
                _lazy(
                    "公示期间针对贵机构的异议经核实成立，贵机构不列入培育辅导对象（N-4.1.3）。"
                    "\n理由：%(reason)s"
                ),
            ),
        ),
    ),
)


# ---- the objection's workflow -------------------------------------------------------------


def case_in_publicity(objection: Objection, actor: User, data: dict[str, Any]) -> Refusal | None:
    if objection.entry.application.state != State.IN_PUBLICITY:
        return Refusal(CLAUSE, _("该机构的公示已办结，异议结果不能再更改。"))
    return None


def lock_notice_and_case(objection: Objection, actor: User, data: dict[str, Any]) -> None:
    """Lock the objection's notice, then its case, as ``services.end_notice`` does, before the
    decision is written: of a decision and the end of the period arriving together, the second
    waits for the first and sees its result (issue 21 item 8)."""
    list(PublicityNotice.objects.select_for_update().filter(pk=objection.notice_id).values("pk"))
    case = Application.objects.select_for_update().filter(pk=objection.entry.application_id)
    list(case.values("pk"))


def settle_if_period_over(objection: Objection, actor: User, data: dict[str, Any]) -> None:
    """A decision taken after the period's end moves the case at once (``settle_case``: still
    waiting for another open objection, upheld, or on to cultivation), not at the next sweep."""
    from .services import settle_case

    notice = PublicityNotice.objects.get(pk=objection.notice_id)
    case = Application.objects.select_related("institution", "round").get(
        pk=objection.entry.application_id
    )
    if notice.has_ended() and case.state == State.IN_PUBLICITY:
        settle_case(case, notice, actor)


def stamp_resolution(objection: Objection, actor: User, data: dict[str, Any]) -> None:
    objection.resolution = data["reason"]
    objection.resolved_by = actor
    objection.resolved_at = clock.now()


TELL_OBJECTOR = Tell(
    Party.OBJECTOR,
    _lazy("您反映的异议（%(no)s）已办结"),
    _lazy(
        "%(name)s：\n\n您于%(at)s对公示机构“%(org)s”提出的异议（受理编号 %(no)s）已办结。\n"
        "处理结果：%(state)s\n处理意见：%(reason)s\n\n广东省职业技能服务指导中心"
    ),
    channel=Channel.EMAIL,
)


OBJECTION_TRANSITIONS = (
    Transition(
        action="investigate",
        label=_("开始调查核实"),
        confirm=_("确定开始调查核实该异议吗？开始后不能退回“已受理”状态。"),
        sources=frozenset({Objection.Status.RECEIVED}),
        target=Objection.Status.INVESTIGATING,
        roles=PROVINCE,
        guards=(case_in_publicity,),
        effects=(lock_notice_and_case,),
        tell=Nobody("The objector is told the outcome (uphold, dismiss), not each step."),
    ),
    Transition(
        action="uphold",
        label=_("异议成立"),
        confirm=_("确定认定异议成立吗？处理意见将告知反映人，公示期满后该机构不列入培育辅导对象。"),
        sources=frozenset({Objection.Status.INVESTIGATING}),
        target=Objection.Status.UPHELD,
        roles=PROVINCE,
        guards=(case_in_publicity,),
        effects=(lock_notice_and_case, stamp_resolution),
        after=(settle_if_period_over,),
        needs_reason=True,
        style="danger",
        tell=(TELL_OBJECTOR,),
    ),
    Transition(
        action="dismiss",
        label=_("异议不成立"),
        confirm=_("确定认定异议不成立吗？处理意见将告知反映人，提交后不能修改。"),
        sources=frozenset({Objection.Status.INVESTIGATING}),
        target=Objection.Status.DISMISSED,
        roles=PROVINCE,
        guards=(case_in_publicity,),
        effects=(lock_notice_and_case, stamp_resolution),
        after=(settle_if_period_over,),
        needs_reason=True,
        style="success",
        tell=(TELL_OBJECTOR,),
    ),
)


# ---- the notice's workflow ----------------------------------------------------------------


def _listed_cases(notice: PublicityNotice) -> list[Application]:
    return [entry.application for entry in notice.entries.select_related("application")]


def has_entries(notice: PublicityNotice, actor: User, data: dict[str, Any]) -> Refusal | None:
    if not notice.entries.exists():
        return Refusal(CLAUSE, _("公示名单为空，不能发布。"))
    return None


def starts_today_or_later(
    notice: PublicityNotice, actor: User, data: dict[str, Any]
) -> Refusal | None:
    if notice.starts_on < clock.today():
        return Refusal(CLAUSE, _("公示开始日期已过，请重新创建公示并选择今天或以后的日期。"))
    return None


def calendar_covers_period(
    notice: PublicityNotice, actor: User, data: dict[str, Any]
) -> Refusal | None:
    """The period is counted in working days: the calendar must hold its years, and still give
    the end the notice states (an admin may have corrected the calendar since the draft)."""
    try:
        ends_on = publicity_end(notice.starts_on, notice.working_days)
    except CalendarYearMissing as missing:
        return Refusal(CLAUSE, str(missing))
    if ends_on != notice.ends_on:
        return Refusal(
            CLAUSE,
            _("按当前工作日历，公示期应至 %(end)s 结束，与草稿所载日期不符，请重新创建公示。")
            % {"end": f"{ends_on:%Y年%m月%d日}"},
        )
    return None


def notice_period_over(
    notice: PublicityNotice, actor: User, data: dict[str, Any]
) -> Refusal | None:
    return _still_running(notice)


def stamp_published(notice: PublicityNotice, actor: User, data: dict[str, Any]) -> None:
    notice.published_by = actor
    notice.published_at = clock.now()


def lock_listed_cases(notice: PublicityNotice, actor: User, data: dict[str, Any]) -> None:
    """Lock the listed cases before ``perform()`` writes the notice's audit event: the notice's
    row, then the cases', then the audit head, the order every transition uses."""
    pks = notice.entries.values("application_id")
    list(Application.objects.filter(pk__in=pks).select_for_update().order_by("pk").values("pk"))


def publish_listed_cases(notice: PublicityNotice, actor: User, data: dict[str, Any]) -> None:
    """Every listed case moves ``publish``, all or nothing with the notice."""
    perform_many(_listed_cases(notice), "publish", actor, notice=notice.pk)


NOTICE_TRANSITIONS = (
    Transition(
        action="publish",
        label=_("发布公示"),
        confirm=_("确定发布公示吗？发布后公示向社会公开，相关机构将收到通知，不能撤回。"),
        sources=frozenset({PublicityNotice.Status.DRAFT}),
        target=PublicityNotice.Status.PUBLISHED,
        roles=PROVINCE,
        guards=(has_entries, starts_today_or_later, calendar_covers_period),
        effects=(stamp_published, lock_listed_cases),
        after=(publish_listed_cases, build_notice_pdf),
        audience=Audience.STAFF,
        tell=Nobody("Each listed case's own publish tells its institution."),
    ),
    Transition(
        action="end",
        label=_("公示期满办结"),
        confirm=_(
            "确定办结公示吗？无异议的机构将进入培育辅导期，异议成立的机构终止遴选，不能撤销。"
        ),
        sources=frozenset({PublicityNotice.Status.PUBLISHED}),
        target=PublicityNotice.Status.ENDED,
        roles=SYSTEM_OR_PROVINCE,
        guards=(notice_period_over,),
        style="success",
        audience=Audience.STAFF,
        tell=Nobody("Each case's end_publicity or uphold_objection tells its institution."),
    ),
    Transition(
        action="discard",
        label=_("删除草稿"),
        confirm=_("确定删除该公示草稿吗？删除后不能恢复，名单中的机构不受影响。"),
        sources=frozenset({PublicityNotice.Status.DRAFT}),
        target=PublicityNotice.Status.DISCARDED,
        roles=PROVINCE,
        style="outline-danger",
        audience=Audience.STAFF,
        tell=Nobody("A draft was never public: only the center, who discards it, knew of it."),
    ),
)


def register_publicity_transitions() -> None:
    register(*CASE_TRANSITIONS)
    NOTICES.register(*NOTICE_TRANSITIONS)
    OBJECTIONS.register(*OBJECTION_TRANSITIONS)
