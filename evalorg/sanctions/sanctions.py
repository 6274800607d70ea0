"""Sanctions: who sees which, drafting one, the status they give an organization and its
occupation lines (正常/暂停/已取消) and the dated history of that status (N-5.2). The workflow
is in ``transitions.py``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models import Value as V
from django.http import Http404
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.applications.models import ApplicationOccupation
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import Refusal, TransitionRefused
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import local_agency_id
from evalorg.institutions.models import Institution, institution_of

from .models import Sanction

CLAUSE = "N-5.2"
K = Sanction.Kind
S = Sanction.Status
# What an organization is in the registry, by the effective sanction that binds it.
NORMAL, SUSPENDED, REVOKED = "normal", "suspension", "revocation"
STATUS_LABELS = {NORMAL: _("正常"), SUSPENDED: _("暂停"), REVOKED: _("已取消")}
EDITABLE = ("kind", "line", "facts", "clause", "evidence", "starts_on", "ends_on")


def status_label(code: str | None) -> str:
    return str(STATUS_LABELS.get(code or NORMAL, STATUS_LABELS[NORMAL]))


# ---- who sees which sanctions -----------------------------------------------------------------


def with_rows(qs: QuerySet[Sanction]) -> QuerySet[Sanction]:
    """What a list row shows, in one query."""
    return qs.select_related("institution__city", "line__occupation", "agency")


def sanctions_for(user: Any) -> QuerySet[Sanction]:
    """The drafting agency's; the center (reviews) and the department (approves) read all; an
    organization its own once they took effect; nobody else any."""
    if has_role(user, Role.PROVINCIAL):
        return Sanction.objects.all()
    if has_role(user, Role.CITY_STAFF) and user.agency_id is not None:
        return Sanction.objects.filter(agency_id=user.agency_id)
    if has_role(user, Role.APPLICANT):
        institution = institution_of(user)
        if institution is not None:
            return Sanction.objects.filter(
                institution=institution, status__in=[S.EFFECTIVE, S.RESTORED]
            )
    return Sanction.objects.none()


def get_for_user(user: Any, pk: int) -> Sanction:
    sanction = with_rows(sanctions_for(user)).filter(pk=pk).first()
    if sanction is None:
        raise Http404
    return sanction


def supervised_institutions(user: Any) -> QuerySet[Institution]:
    """The filed organizations whose local agency (``registry.local_agency``) is the user's:
    the ones it may draft a sanction against."""
    if not has_role(user, Role.REVIEWING_STAFF) or user.agency_id is None:
        return Institution.objects.none()
    return (
        Institution.objects.annotate(local=local_agency_id(OuterRef("pk")))
        .filter(local=user.agency_id)
        .order_by("name")
    )


def filed_lines(institution: Institution) -> QuerySet[ApplicationOccupation]:
    return (
        ApplicationOccupation.objects.filter(
            application__institution=institution,
            status=ApplicationOccupation.Status.FILED,
            application__filing_letters__isnull=False,
        )
        .distinct()
        .select_related("occupation")
        .order_by("occupation__code", "-level")
    )


# ---- drafting ---------------------------------------------------------------------------------


def draft_refusals(sanction: Sanction) -> list[Refusal]:
    refusals = []
    if sanction.kind == K.SUSPENSION:
        if not (sanction.starts_on and sanction.ends_on):
            refusals.append(Refusal(CLAUSE, _("暂停须填写开始日期和结束日期。")))
        elif sanction.ends_on < sanction.starts_on:
            refusals.append(Refusal(CLAUSE, _("暂停结束日期不能早于开始日期。")))
        elif sanction.ends_on < clock.today():
            refusals.append(Refusal(CLAUSE, _("暂停结束日期已过，请重新填写暂停期限。")))
    if sanction.line_id is not None:
        if sanction.kind != K.REVOCATION:
            refusals.append(Refusal(CLAUSE, _("只有取消备案可以针对单个职业（工种）。")))
        elif not filed_lines(sanction.institution).filter(pk=sanction.line_id).exists():
            refusals.append(Refusal(CLAUSE, _("所选职业（工种）及等级不在该机构的备案范围内。")))
    return refusals


@transaction.atomic
def create_draft(user: Any, institution: Institution, data: dict[str, Any]) -> Sanction:
    """A draft by the local agency (state draft), audited; refused, nothing stored, when the
    organization is not one it supervises or the period or occupation do not fit."""
    if not supervised_institutions(user).filter(pk=institution.pk).exists():
        raise TransitionRefused([Refusal(CLAUSE, _("该机构不属于本机构属地监管范围。"))])
    sanction = Sanction(
        institution=institution,
        agency_id=user.agency_id,
        created_by=user,
        created_at=clock.now(),
        evidence_file=data.get("evidence_file"),
        inspection=data.get("inspection"),
        **{k: data.get(k) for k in EDITABLE},
    )
    if sanction.kind != K.SUSPENSION:
        sanction.starts_on = sanction.ends_on = None
    if refusals := draft_refusals(sanction):
        raise TransitionRefused(refusals)
    sanction.save()
    audit.record(
        "sanction_drafted",
        sanction,
        actor=user,
        to_state=sanction.status,
        data={"kind": sanction.kind, "clause": sanction.clause, "institution": institution.pk},
        audience=Audience.STAFF,
    )
    return sanction


def draft_for_inspection(inspection: Any, actor: Any, data: dict[str, Any]) -> Sanction:
    """An escalated random inspection (N-5.2) starts a sanction: a draft by the escalating
    local agency (``create_draft``, its own checks), of the kind it chose (a warning unless
    said), the reason as the facts, the findings and the answer as the evidence. Registered
    with supervision (``register_escalation``); a refusal here refuses the escalation."""
    kind = data.get("kind") or K.WARNING
    if kind not in K.values:
        raise TransitionRefused([Refusal(CLAUSE, _("请选择处理种类。"))])
    data["kind"] = kind
    evidence = _("检查发现的问题：\n%(findings)s\n整改情况说明：%(answer)s") % {
        "findings": inspection.findings or "—",
        "answer": inspection.answer or _("逾期未报告整改情况"),
    }
    draft = {
        "kind": kind,
        "line": None,
        "facts": _("%(inspection)s整改不到位：%(reason)s")
        % {"inspection": inspection, "reason": str(data.get("reason", "")).strip()},
        "clause": CLAUSE,
        "evidence": evidence,
        "starts_on": data.get("starts_on"),
        "ends_on": data.get("ends_on"),
        "inspection": inspection,
    }
    return create_draft(actor, inspection.institution, draft)


# ---- what sanctions make of an organization ---------------------------------------------------


def binding() -> QuerySet[Sanction]:
    """Effective suspensions and revocations: the ones that change an organization's status."""
    return Sanction.objects.filter(status=S.EFFECTIVE, kind__in=[K.SUSPENSION, K.REVOCATION])


def _most_severe(institution_ref: OuterRef) -> Subquery:
    rank = Case(When(kind=K.REVOCATION, then=V(0)), default=V(1), output_field=IntegerField())
    found = (
        binding()
        .filter(institution_id=institution_ref, line__isnull=True)
        .annotate(rank=rank)
        .order_by("rank")
        .values("kind")[:1]
    )
    return Subquery(found)


def annotate_letters(letters: QuerySet[FilingLetter]) -> QuerySet[FilingLetter]:
    """``org_status``: ``revocation``, ``suspension`` or None (normal), one subquery."""
    return letters.annotate(org_status=_most_severe(OuterRef("application__institution_id")))


def annotate_lines(lines: QuerySet[ApplicationOccupation]) -> QuerySet[ApplicationOccupation]:
    """``line_revoked``: the line's filing was revoked on its own."""
    revoked = binding().filter(kind=K.REVOCATION, line_id=OuterRef("pk"))
    return lines.annotate(line_revoked=Exists(revoked))


def fingerprint() -> str:
    """Changes whenever a sanction changes (the registry's ETag covers the status)."""
    found = Sanction.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    return f"{found['n']}:{found['latest']}"


def organization_status(institution_id: int) -> str:
    """``normal``, ``suspension`` or ``revocation`` for the whole organization."""
    found = (
        Institution.objects.filter(pk=institution_id)
        .annotate(s=_most_severe(OuterRef("pk")))
        .values_list("s", flat=True)
        .first()
    )
    return found or NORMAL


def line_refusal(institution_id: int, line_id: int | None) -> Refusal | None:
    """Why no new assessment plan (nor expansion) is accepted from the organization (or for
    that occupation line) while a sanction binds it, citing the decision."""
    found = (
        binding()
        .filter(institution_id=institution_id)
        .filter(line__isnull=True)
        .order_by("kind")  # "revocation" sorts before "suspension"
        .first()
    )
    if found is None and line_id is not None:
        found = binding().filter(kind=K.REVOCATION, line_id=line_id).first()
    if found is None:
        return None
    return Refusal(CLAUSE, describe_binding(found))


def describe_binding(sanction: Sanction) -> str:
    values = {
        "on": f"{sanction.effective_on:%Y年%m月%d日}" if sanction.effective_on else "",
        "clause": sanction.clause,
        "until": f"{sanction.ends_on:%Y年%m月%d日}" if sanction.ends_on else "",
    }
    if sanction.kind == K.SUSPENSION:
        return (
            _("该机构自 %(on)s 起被暂停备案至 %(until)s（依据 %(clause)s），暂停期间不予受理。")
            % values
        )
    if sanction.line_id is not None:
        values["line"] = str(sanction)
        return _("该职业（工种）已于 %(on)s 被取消备案（依据 %(clause)s），不予受理。") % values
    return _("该机构已于 %(on)s 被取消备案（依据 %(clause)s），不予受理。") % values


def plan_refusals(plan: Any) -> list[Refusal]:
    """supervision's plan check: a suspended or revoked organization or occupation."""
    found = line_refusal(plan.institution_id, plan.line_id)
    return [found] if found else []


def expansion_refusal(institution_id: int) -> str:
    """applications' standing check (N-2.2): no expansion while suspended or revoked."""
    found = line_refusal(institution_id, None)
    return found.message if found else ""


@dataclass(frozen=True)
class Change:
    """One dated change of an organization's registry status."""

    day: date
    status: str
    what: str
    clause: str = ""


def histories(institution_ids: Collection[int]) -> dict[int, list[Change]]:
    """Each organization's dated status changes: filed, each suspension or revocation taking
    effect, each restoration (oldest first; two queries for any number of organizations)."""
    changes: dict[int, list[Change]] = {pk: [] for pk in institution_ids}
    letters = FilingLetter.objects.filter(application__institution_id__in=changes).order_by(
        "issued_on", "pk"
    )
    for institution_id, issued_on, number in letters.values_list(
        "application__institution_id", "issued_on", "number"
    ):
        what = _("备案（%(no)s）") % {"no": number}
        changes[institution_id].append(Change(issued_on, status_label(NORMAL), what))
    sanctions = (
        Sanction.objects.filter(
            institution_id__in=changes,
            kind__in=[K.SUSPENSION, K.REVOCATION],
            status__in=[S.EFFECTIVE, S.RESTORED],
            effective_on__isnull=False,
        )
        .select_related("line__occupation")
        .order_by("effective_on", "pk")
    )
    for s in sanctions:
        changes[s.institution_id] += _sanction_changes(s)
    return {pk: sorted(found, key=lambda c: c.day) for pk, found in changes.items()}


def _sanction_changes(s: Sanction) -> list[Change]:
    if s.kind == K.SUSPENSION:
        what = _("暂停备案（%(start)s 至 %(end)s）") % {
            "start": f"{s.starts_on:%Y-%m-%d}" if s.starts_on else "",
            "end": f"{s.ends_on:%Y-%m-%d}" if s.ends_on else "",
        }
        found = [Change(s.effective_on, status_label(SUSPENDED), what, s.clause)]  # type: ignore[arg-type]
        if s.ended_on:
            found.append(
                Change(s.ended_on, status_label(NORMAL), _("暂停结束，恢复正常"), s.clause)
            )
        return found
    what = str(s) if s.line_id else _("取消备案")
    label = _("该职业已取消") if s.line_id else status_label(REVOKED)
    return [Change(s.effective_on, str(label), what, s.clause)]  # type: ignore[arg-type]
