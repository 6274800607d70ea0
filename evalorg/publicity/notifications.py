"""Who is told what: the institution's accounts (in-app and e-mail) and the objector (e-mail)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evalorg.applications.submission import tell_applicant
from evalorg.notify.services import queue_email

from .models import Objection

tell_institution = tell_applicant


def tell_objector(objection: Objection) -> None:
    if not objection.objector_email:
        return
    subject = _("您反映的异议（%(no)s）已办结") % {"no": objection.number}
    body = _(
        "%(name)s：\n\n您于%(at)s对公示机构“%(org)s”提出的异议（受理编号 %(no)s）已办结。\n"
        "处理结果：%(outcome)s\n处理意见：%(reason)s\n\n广东省职业技能服务指导中心"
    ) % {
        "name": objection.objector_name,
        "at": f"{objection.created_at:%Y年%m月%d日}",
        "org": objection.entry.name,
        "no": objection.number,
        "outcome": objection.get_status_display(),
        "reason": objection.resolution,
    }
    queue_email([objection.objector_email], subject, body)
