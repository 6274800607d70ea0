"""The chain-leader fast track (N-4.1.4): a new application from a designated chain-leader unit
goes, once verified, straight to cultivation, skipping scoring, the provincial review and
publicity. An expansion application goes the same way only from a filed chain-leader unit that
has at least one occupation whose question bank was reviewed and filed (N-2.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.applications import access
from evalorg.applications.models import Application, ApplicationOccupation, Kind, State
from evalorg.applications.workflow import Refusal, Transition, register
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Party, Tell
from evalorg.institutions.models import ChainLeaderDesignation

from .services import start_cultivation


def designated_chain_leader(application: Application, actor, data: dict) -> Refusal | None:
    designated = ChainLeaderDesignation.objects.filter(
        institution_id=application.institution_id
    ).exists()
    if not designated:
        return Refusal(
            "N-4.1.4",
            _("该机构不是省人社厅认定的链主培育单位，须经专家评估、省级评审和公示。"),
        )
    return None


def expansion_from_a_filed_unit(application: Application, actor, data: dict) -> Refusal | None:
    if application.kind != Kind.EXPANSION:
        return None
    filed = ApplicationOccupation.objects.filter(
        application__institution_id=application.institution_id,
        status=ApplicationOccupation.Status.FILED,
    ).exists()
    if not filed:
        return Refusal(
            "N-2.2",
            _(
                "新增职业申请走快速通道，须为已备案的链主培育单位，且至少有一个职业（工种）"
                "题库已审核备案并正常开展认定。"
            ),
        )
    return None


def begin_now(application: Application, actor, data: dict) -> None:
    data["_period"] = start_cultivation(application, clock.today())


def period_values(application: Application, data: dict) -> dict:
    period = data["_period"]
    return {"start": f"{period.starts_on:%Y年%m月%d日}", "last": f"{period.last_day:%Y年%m月%d日}"}


TELL_FAST_TRACKED = Tell(
    Party.APPLICANT,
    _lazy("贵机构已直接进入培育辅导期（%(no)s）"),
    _lazy(
        "%(institution)s：\n贵机构为链主培育单位，申请经初审通过后直接进入培育辅导期（N-4.1.4），"
        "自 %(start)s 起，最后一天为 %(last)s。"
    ),
    values=period_values,
)


def register_fast_track() -> None:
    register(
        Transition(
            action="fast_track",
            label=_("链主单位直接进入培育（N-4.1.4）"),
            confirm=_("确定该链主单位直接进入培育辅导期吗？提交后不能撤回。"),
            sources=frozenset({State.VERIFIED}),
            target=State.CULTIVATING,
            roles=Role.REVIEWING_STAFF,
            relation=access.is_receiving_staff,
            guards=(designated_chain_leader, expansion_from_a_filed_unit),
            after=(begin_now,),
            style="success",
            audience=Audience.APPLICANT,
            tell=(TELL_FAST_TRACKED,),
        )
    )
