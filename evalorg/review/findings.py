"""needs_review findings (SPEC §3): staff record a conclusion on each, and ``verify`` is
refused while one is open (N-5.1: the receiving agency checks what the rules could not).

A finding is an entry of ``Application.eligibility`` (the results stored at submission) whose
outcome is needs_review; it is keyed by its rule and subject. Resolving it is not a state
change: it is a ``FindingResolution`` row and an audit event (``finding_resolved``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from evalorg.applications.models import Application
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit, clock

from .models import FindingResolution

CONCLUSION_MAX = 1000


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    clause: str
    message: str
    resolution: FindingResolution | None

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.subject}"


def findings(application: Application) -> list[Finding]:
    """The case's needs_review findings with their resolution, if any (one query)."""
    rows = application.finding_resolutions.select_related("resolved_by")
    resolved = {(r.rule, r.subject): r for r in rows}
    return [
        Finding(
            rule=r.get("rule", ""),
            subject=r.get("subject", ""),
            clause=r.get("clause", ""),
            message=r.get("message", ""),
            resolution=resolved.get((r.get("rule", ""), r.get("subject", ""))),
        )
        for r in application.eligibility or []
        if r.get("outcome") == "needs_review"
    ]


def open_findings(application: Application) -> list[Finding]:
    return [f for f in findings(application) if f.resolution is None]


def resolve(application: Application, key: str, conclusion: str, user) -> FindingResolution:
    """Record the conclusion on the finding ``key`` (rule|subject); audited."""
    conclusion = conclusion.strip()
    finding = next((f for f in findings(application) if f.key == key), None)
    if finding is None:
        raise TransitionRefused([Refusal("SPEC-3", _("该申请没有这项需人工核查的校验结果。"))])
    if finding.resolution is not None:
        raise TransitionRefused([Refusal("SPEC-3", _("这项校验结果已有核查结论。"))])
    if not conclusion or len(conclusion) > CONCLUSION_MAX:
        raise TransitionRefused(
            [
                Refusal(
                    "SPEC-3",
                    _("请填写核查结论（不超过 %(n)s 字）。") % {"n": CONCLUSION_MAX},
                )
            ]
        )
    try:
        with transaction.atomic():
            resolution = FindingResolution.objects.create(
                application=application,
                rule=finding.rule,
                subject=finding.subject,
                clause=finding.clause,
                conclusion=conclusion,
                resolved_by=user,
                resolved_at=clock.now(),
            )
            audit.record(
                "finding_resolved",
                application,
                actor=user,
                data={
                    "rule": finding.rule,
                    "subject": finding.subject,
                    "clause": finding.clause,
                    "reason": conclusion,
                },
            )
            clear_flag_when_all_resolved(application)
    except IntegrityError:
        raise TransitionRefused([Refusal("SPEC-3", _("这项校验结果已有核查结论。"))]) from None
    return resolution


def clear_flag_when_all_resolved(application: Application) -> None:
    """The 需人工核查 badge (``needs_review``, set at submission) goes once every finding has a
    conclusion (issue 22): it flags work still to do, not that there was some."""
    if application.needs_review and not open_findings(application):
        Application.objects.filter(pk=application.pk).update(needs_review=False)
        application.needs_review = False


def findings_resolved(application, actor, data: dict) -> list[Refusal]:
    """Guard of ``verify``: every needs_review finding has a conclusion (SPEC §3, N-5.1)."""
    return [
        Refusal(
            f.clause or "SPEC-3",
            _("需人工核查的事项“%(m)s”尚无核查结论，不能初审通过。") % {"m": f.message},
        )
        for f in open_findings(application)
    ]
