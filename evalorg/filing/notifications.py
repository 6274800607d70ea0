"""Telling the organization that it is filed (in-app and e-mail)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evalorg.applications.models import Application
from evalorg.applications.submission import tell_applicant


def announce_filing(application: Application, actor, data: dict) -> None:
    letter = application.filing_letter
    subject = _("贵机构已备案为社会培训评价组织（%(no)s）") % {"no": letter.number}
    body = _(
        "%(name)s：\n经验收，贵机构已备案为社会培训评价组织（N-4.3），备案函编号 %(no)s，"
        "备案日期 %(on)s，有效期至 %(until)s。\n备案职业（工种）及等级：%(occupations)s\n"
        "备案函（Word 和 PDF）可在申请详情页下载。"
    ) % {
        "name": application.institution.name,
        "no": letter.number,
        "on": f"{letter.issued_on:%Y年%m月%d日}",
        "until": f"{letter.valid_until:%Y年%m月%d日}",
        "occupations": "；".join(f"{o['name']}（{o['level_label']}）" for o in letter.occupations),
    }
    tell_applicant(application, subject, body)
