"""The commitment letter (工作承诺书, 附件5, N-4.2): signed online by the applicant on its case.

The round's text is signed as it stands that day (the signed copy never changes if the round's
template is edited later). The typed name must be the institution's legal representative.
Nothing else of cultivation opens before the letter is signed: later pages call
``require_signed(application)``; guards call ``commitment_refusal(application)``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from evalorg.applications import access
from evalorg.applications.models import Application, State
from evalorg.applications.workflow import Refusal, TransitionRefused
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.documents.pdf import render_pdf

from .models import CommitmentLetter

CLAUSE = "N-4.2"


class CommitmentNotSigned(PermissionDenied):
    """Raised by ``require_signed``: a 403 page with the refusal as message."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(str(refusal))


def letter_text(application: Application) -> str:
    """The round's template with ``{institution}`` and ``{round}`` filled in."""
    template = application.round.commitment_template
    return template.replace("{institution}", application.institution.name).replace(
        "{round}", application.round.name
    )


def signed_letter(application: Application) -> CommitmentLetter | None:
    return CommitmentLetter.objects.filter(application=application).first()


def commitment_refusal(application: Application) -> Refusal | None:
    if not CommitmentLetter.objects.filter(application=application).exists():
        return Refusal(
            CLAUSE,
            _("请先在线签署《广东省社会培训评价组织培育机构工作承诺书》（附件5）。"),
        )
    return None


def line_commitment_signed(line, actor, data: dict) -> Refusal | None:
    """Guard on the occupation line's ``submit_bank``: no deliverable before the letter."""
    return commitment_refusal(line.application)


def require_signed(application: Application) -> None:
    """For every later cultivation page and action: refuse (403) until the letter is signed."""
    refusal = commitment_refusal(application)
    if refusal is not None:
        raise CommitmentNotSigned(refusal)


def _normalise(name: str) -> str:
    return "".join(name.split())


def sign_refusal(application: Application, user, typed_name: str) -> Refusal | None:
    if not access.is_own(application, user):
        return Refusal("SPEC-1", _("只有本机构的账号可以签署承诺书。"))
    if application.state != State.CULTIVATING:
        return Refusal(CLAUSE, _("申请进入培育辅导期后方可签署承诺书。"))
    legal_rep = _normalise(application.institution.legal_rep_name)
    if not legal_rep:
        return Refusal(CLAUSE, _("机构信息中未填写法定代表人，请先在机构信息中补充。"))
    if _normalise(typed_name) != legal_rep:
        return Refusal(CLAUSE, _("签名须与机构登记的法定代表人姓名一致。"))
    return None


def sign(application: Application, user, typed_name: str, ip: str | None) -> CommitmentLetter:
    """Sign once; raises ``TransitionRefused`` (nothing stored) when refused or already signed."""
    refusal = sign_refusal(application, user, typed_name)
    if refusal is not None:
        raise TransitionRefused([refusal])
    try:
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=application.pk)
            if CommitmentLetter.objects.filter(application=application).exists():
                raise IntegrityError
            letter = CommitmentLetter.objects.create(
                application=application,
                text=letter_text(application),
                signed_name=_normalise(typed_name),
                signed_by=user,
                signed_at=clock.now(),
                signed_ip=ip,
            )
            audit.record(
                "commitment_signed",
                application,
                actor=user,
                data={"letter": letter.pk, "signed_name": letter.signed_name, "ip": ip or ""},
                audience=Audience.APPLICANT,
            )
    except IntegrityError:
        raise TransitionRefused([Refusal(CLAUSE, _("承诺书已签署，不能重复签署。"))]) from None
    return letter


def commitment_pdf_bytes(letter: CommitmentLetter) -> bytes:
    application = letter.application
    return render_pdf(
        "cultivation/commitment_pdf.html",
        {
            "letter": letter,
            "application": application,
            "institution": application.institution,
            "generated_at": clock.now(),
        },
    )
