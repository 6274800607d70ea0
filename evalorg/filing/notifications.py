"""Telling the organization that it is filed, or that lines were added by a supplementary
letter (in-app and e-mail)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evalorg.applications.models import Application
from evalorg.applications.submission import tell_applicant

from .models import FilingLetter


def _occupations(letter: FilingLetter) -> str:
    return "；".join(f"{o['name']}（{o['level_label']}）" for o in letter.occupations)


def _day(letter_day) -> str:
    return f"{letter_day:%Y年%m月%d日}"


def announce_filing(application: Application, actor, data: dict) -> None:
    letter = FilingLetter.objects.get(application=application, kind=FilingLetter.Kind.FILING)
    subject = _("贵机构已备案为社会培训评价组织（%(no)s）") % {"no": letter.number}
    body = _(
        "%(name)s：\n经验收，贵机构已备案为社会培训评价组织（N-4.3），备案函编号 %(no)s，"
        "备案日期 %(on)s，有效期至 %(until)s。\n备案职业（工种）及等级：%(occupations)s\n"
        "备案函（Word 和 PDF）可在申请详情页下载。"
    ) % {
        "name": application.institution.name,
        "no": letter.number,
        "on": _day(letter.issued_on),
        "until": _day(letter.valid_until),
        "occupations": _occupations(letter),
    }
    tell_applicant(application, subject, body)


def announce_supplement(application: Application, actor, data: dict) -> None:
    letter = FilingLetter.objects.select_related("original").get(
        application=application,
        kind=FilingLetter.Kind.SUPPLEMENTARY,
        entry__approval_id=data["approval"],
    )
    subject = _("贵机构补充备案职业（工种）（%(no)s）") % {"no": letter.number}
    body = _(
        "%(name)s：\n培育辅导期内题库通过审核的职业（工种）经验收批次审定，予以补充备案"
        "（N-4.2、N-4.3），补充备案函编号 %(no)s，备案日期 %(on)s，"
        "有效期与原备案函 %(original)s 一致，至 %(until)s。\n"
        "补充备案职业（工种）及等级：%(occupations)s\n补充备案函（Word 和 PDF）可在申请详情页下载。"
    ) % {
        "name": application.institution.name,
        "no": letter.number,
        "on": _day(letter.issued_on),
        "original": letter.original.number if letter.original else "",
        "until": _day(letter.valid_until),
        "occupations": _occupations(letter),
    }
    tell_applicant(application, subject, body)
