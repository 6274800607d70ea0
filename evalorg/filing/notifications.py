"""What the organization is told when it is accepted, filed, or gets lines added by a
supplementary letter (the ``tell`` declarations of ``accept``, ``file_case`` and
``file_supplement``, in-app and e-mail)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy

from evalorg.applications.models import Application
from evalorg.core.workflow import Party, Tell

from .models import FilingLetter


def _letter_values(letter: FilingLetter) -> dict[str, Any]:
    return {
        "letter_no": letter.number,
        "on": f"{letter.issued_on:%Y年%m月%d日}",
        "until": f"{letter.valid_until:%Y年%m月%d日}",
        "occupations": "；".join(f"{o['name']}（{o['level_label']}）" for o in letter.occupations),
    }


def letter_values(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    letter = FilingLetter.objects.get(application=application, kind=FilingLetter.Kind.FILING)
    return _letter_values(letter)


def supplement_values(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    letter = FilingLetter.objects.select_related("original").get(
        application=application,
        kind=FilingLetter.Kind.SUPPLEMENTARY,
        entry__approval_id=data["approval"],
    )
    original = letter.original.number if letter.original else ""
    return {**_letter_values(letter), "original": original}


TELL_ACCEPTED = Tell(
    Party.APPLICANT,
    _lazy("贵机构已通过验收（%(no)s）"),
    _lazy(
        "%(institution)s：\n经省职业技能等级认定工作领导小组审定同意，贵机构已通过验收（N-4.3），"
        "备案函将由省职业技能服务指导中心出具。"
    ),
)

TELL_FILED = Tell(
    Party.APPLICANT,
    _lazy("贵机构已备案为社会培训评价组织（%(letter_no)s）"),
    _lazy(
        "%(institution)s：\n经验收，贵机构已备案为社会培训评价组织（N-4.3），"
        "备案函编号 %(letter_no)s，备案日期 %(on)s，有效期至 %(until)s。\n"
        "备案职业（工种）及等级：%(occupations)s\n"
        "备案函（Word 和 PDF）可在申请详情页下载。"
    ),
    values=letter_values,
)

TELL_SUPPLEMENT = Tell(
    Party.APPLICANT,
    _lazy("贵机构补充备案职业（工种）（%(letter_no)s）"),
    _lazy(
        "%(institution)s：\n培育辅导期内题库通过审核的职业（工种）经验收批次审定，予以补充备案"
        "（N-4.2、N-4.3），补充备案函编号 %(letter_no)s，备案日期 %(on)s，"
        "有效期与原备案函 %(original)s 一致，至 %(until)s。\n"
        "补充备案职业（工种）及等级：%(occupations)s\n"
        "补充备案函（Word 和 PDF）可在申请详情页下载。"
    ),
    values=supplement_values,
)
