"""The course of one random inspection (N-5.2), workflow ``inspection``: the inspector records
the findings (none: closed; problems: a rectification order with a deadline), the organization
answers, and its local agency (the city of the organization) closes or escalates, an escalation
being the start of a sanction (``sanctions``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Party,
    Recipients,
    Refusal,
    Tell,
    Transition,
    define,
    register_description,
    register_party,
)
from evalorg.filing import registry

from .models import Inspection, InspectionDraw, RectificationEvidence

CLAUSE = "N-5.2"
S = Inspection.Status
INSPECTIONS = define(Inspection, "status", "inspection")


def is_inspector(inspection: Inspection, user: Any) -> bool:
    return bool(inspection.inspector_id == user.pk)


def of_organization(inspection: Inspection, user: Any) -> bool:
    membership = getattr(user, "membership", None)
    return membership is not None and bool(membership.institution_id == inspection.institution_id)


def local_agency_id(inspection: Inspection) -> int | None:
    """The organization's local agency (``registry.local_agency``: its city, or the center
    for an organization filed with it); lists annotate it as ``local_agency_id`` (one query
    for the page), a single inspection looks it up."""
    if hasattr(inspection, "local_agency_id"):
        return inspection.local_agency_id  # type: ignore[no-any-return]
    agency = registry.local_agency(inspection.institution_id)
    return agency.pk if agency else None


def of_local_agency(inspection: Inspection, user: Any) -> bool:
    """Who closes or escalates: the agency that drafts the sanction an escalation starts, so
    an escalation of a provincial organization is the center's, not its city's (N-5.2)."""
    return user.agency_id is not None and user.agency_id == local_agency_id(inspection)


def published(inspection: Inspection, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if inspection.draw.status != InspectionDraw.Status.PUBLISHED:
        return Refusal(CLAUSE, _("抽取结果公开后才能开展检查。"))
    return None


def none_recorded(inspection: Inspection, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if inspection.finding_rows.exists():
        return Refusal(CLAUSE, _("已记录检查发现的问题，请责令整改。"))
    return None


def findings_given(inspection: Inspection, actor: Any, data: dict[str, Any]) -> list[Refusal]:
    refusals = []
    if not str(data.get("findings", "")).strip() and not inspection.finding_rows.exists():
        refusals.append(Refusal(CLAUSE, _("请填写检查发现的问题。")))
    deadline = data.get("rectify_by")
    if not isinstance(deadline, date) or deadline <= clock.today():
        refusals.append(Refusal(CLAUSE, _("整改期限须晚于今天。")))
    return refusals


def answer_given(inspection: Inspection, actor: Any, data: dict[str, Any]) -> Refusal | None:
    if not str(data.get("answer", "")).strip():
        return Refusal(CLAUSE, _("请说明整改情况。"))
    return None


def findings_text(inspection: Inspection) -> str:
    """The recorded findings as one text (numbered, with their category)."""
    rows = inspection.finding_rows.order_by("pk")
    return "\n".join(
        f"{n}. 【{f.get_category_display()}】{f.description}" for n, f in enumerate(rows, start=1)
    )


def keep_findings(inspection: Inspection, actor: Any, data: dict[str, Any]) -> None:
    inspection.findings = findings_text(inspection) or str(data.get("findings", "")).strip()
    data["findings"] = inspection.findings
    if data.get("rectify_by"):
        inspection.rectify_by = data["rectify_by"]


def keep_answer(inspection: Inspection, actor: Any, data: dict[str, Any]) -> None:
    """The answer and the evidence files the page stored (``files``: ``StoredFile`` rows)."""
    inspection.answer = str(data["answer"]).strip()
    files = list(data.pop("files", None) or [])
    RectificationEvidence.objects.bulk_create(
        RectificationEvidence(inspection=inspection, file=f, uploaded_at=clock.now()) for f in files
    )
    data["evidence"] = [f.sha256 for f in files]


def conclude(inspection: Inspection, actor: Any, data: dict[str, Any]) -> None:
    inspection.concluded_on = clock.today()


# What an escalation starts (N-5.2): a later stage (sanctions) registers the drafting of a
# sanction, called in the escalation's transaction; a refusal there refuses the escalation.
Escalation = Callable[[Inspection, Any, dict[str, Any]], Any]
_escalations: list[Escalation] = []


def register_escalation(handler: Escalation) -> None:
    if handler not in _escalations:
        _escalations.append(handler)


def start_sanction(inspection: Inspection, actor: Any, data: dict[str, Any]) -> None:
    for handler in _escalations:
        drafted = handler(inspection, actor, data)
        data["sanction"] = drafted.pk


INSPECTION_TELL = Tell(
    Party.RECEIVING_AGENCY,
    _lazy("抽查进展：%(inspection)s"),
    _lazy("%(inspection)s有新的进展：%(status)s（N-5.2）。"),
)
NO_FINDINGS = Transition(
    action="record_no_findings",
    label=_("记录检查结果：未发现问题"),
    confirm=_("确定记录未发现问题？抽查随即办结并通知该机构，不能撤回。"),
    sources=frozenset({S.ASSIGNED}),
    target=S.CLOSED,
    roles=frozenset({Role.EXPERT}),
    relation=is_inspector,
    guards=(published, none_recorded),
    effects=(keep_findings, conclude),
    audit_fields=(),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("抽查结果：未发现问题"),
            _lazy("%(inspection)s已完成，未发现问题（N-5.2）。"),
        ),
        INSPECTION_TELL,
    ),
)
ORDER_RECTIFICATION = Transition(
    action="order_rectification",
    label=_("记录发现的问题并责令整改"),
    sources=frozenset({S.ASSIGNED}),
    target=S.RECTIFYING,
    roles=frozenset({Role.EXPERT}),
    relation=is_inspector,
    guards=(published, findings_given),
    effects=(keep_findings,),
    audit_fields=("findings", "rectify_by"),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("责令整改：%(inspection)s"),
            _lazy("%(inspection)s发现问题，请于 %(rectify_by)s 前整改并报告整改情况（N-5.2）。"),
        ),
        INSPECTION_TELL,
    ),
)
ANSWER = Transition(
    action="answer_rectification",
    label=_("报告整改情况"),
    sources=frozenset({S.RECTIFYING}),
    target=S.ANSWERED,
    roles=frozenset({Role.APPLICANT}),
    relation=of_organization,
    guards=(answer_given,),
    effects=(keep_answer,),
    audit_fields=("answer", "evidence"),
    audience=Audience.APPLICANT,
    tell=(INSPECTION_TELL,),
)
CLOSE = Transition(
    action="close_inspection",
    label=_("整改合格，办结"),
    confirm=_("确定整改合格并办结？办结后不能撤回。"),
    sources=frozenset({S.ANSWERED}),
    target=S.CLOSED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    effects=(conclude,),
    audit_fields=(),
    audience=Audience.APPLICANT,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("抽查办结：%(inspection)s"),
            _lazy("%(inspection)s的整改情况已审核通过，抽查办结（N-5.2）。"),
        ),
    ),
)
ESCALATE = Transition(
    action="escalate_inspection",
    label=_("整改不到位，移交处理"),
    confirm=_("确定移交处理？将随即起草处理决定草稿，移交后不能撤回。"),
    sources=frozenset({S.RECTIFYING, S.ANSWERED}),
    target=S.ESCALATED,
    roles=Role.REVIEWING_STAFF,
    relation=of_local_agency,
    needs_reason=True,
    effects=(conclude, start_sanction),
    audit_fields=("reason", "kind", "sanction"),
    style="outline-danger",
    audience=Audience.APPLICANT,
    reason_to_applicant=True,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("抽查移交处理：%(inspection)s"),
            _lazy(
                "%(inspection)s整改不到位，已移交处理，将依规作出处理决定（N-5.2）。%(reason_line)s"
            ),
        ),
        INSPECTION_TELL,
    ),
)


def _recipients(users: Any, url: str) -> Recipients:
    active = list(users.filter(is_active=True))
    return Recipients(users=active, emails=[u.email for u in active if u.email], url=url)


def _url(inspection: Inspection) -> str:
    return reverse("supervision:inspection", args=[inspection.pk])


def organization(inspection: Inspection) -> Recipients:
    users = get_user_model().objects.filter(membership__institution_id=inspection.institution_id)
    return _recipients(users, _url(inspection))


def local_agency(inspection: Inspection) -> Recipients:
    users = get_user_model().objects.filter(agency_id=local_agency_id(inspection))
    return _recipients(users, _url(inspection))


def describe_inspection(inspection: Inspection) -> dict[str, Any]:
    return {
        "inspection": str(inspection),
        "status": inspection.get_status_display(),
        "rectify_by": f"{inspection.rectify_by:%Y年%m月%d日}" if inspection.rectify_by else "",
    }


def register_inspection_records() -> None:
    INSPECTIONS.register(NO_FINDINGS, ORDER_RECTIFICATION, ANSWER, CLOSE, ESCALATE)
    register_party(Inspection, Party.APPLICANT, organization)
    register_party(Inspection, Party.RECEIVING_AGENCY, local_agency)
    register_description(Inspection, describe_inspection)
