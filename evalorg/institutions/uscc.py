"""Facts derived from a unified social credit code (GB 32100-2015), for N-2.1 and N-2.4.1.

Characters: 1 registration authority, 2 organization category, 3–8 registration division,
9–17 organization code, 18 check character.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc as uscc_std

from evalorg.catalog.models import Division, UsccCode

GUANGDONG_PREFIX = "44"


@dataclass(frozen=True)
class UsccFacts:
    code: str
    is_valid: bool
    error: str = ""
    authority_code: str = ""
    authority_name: str = ""
    category_code: str = ""
    category_name: str = ""
    division_code: str = ""
    division_name: str = ""
    city_code: str = ""
    city_name: str = ""

    @property
    def type_code(self) -> str:
        """Characters 1–2, e.g. ``11`` 机关, ``12`` 事业单位, ``91`` 企业."""
        return self.authority_code + self.category_code

    @property
    def in_guangdong(self) -> bool:
        return self.division_code.startswith(GUANGDONG_PREFIX)


# GB 32100-2015 draws every character from this alphabet; characters 1–2 (authority and
# category) may be letters (e.g. ``N`` 农业, ``Y`` 其他), characters 3–8 (division) are digits.
# python-stdnum insists on 8 leading digits, so it checks only the check character here.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _format_error(code: str) -> str:
    if len(code) != 18:
        return "统一社会信用代码应为 18 位。"
    if any(c not in ALPHABET for c in code) or not code[2:8].isdigit():
        return (
            "统一社会信用代码格式不正确：第 3–8 位为行政区划代码（数字），"
            "其余为数字或大写字母（不含 I、O、Z、S、V）。"
        )
    if code[-1] != uscc_std.calc_check_digit(code[:17]):
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return ""


def parse_uscc(raw: str) -> UsccFacts:
    code = uscc_std.compact(raw or "")
    error = _format_error(code)
    if error:
        return UsccFacts(code=code, is_valid=False, error=error)
    authority, category, division_code = code[0], code[1], code[2:8]
    names = UsccCode.objects.filter(authority_code=authority, category_code=category).first()
    division = Division.objects.filter(code=division_code).select_related("parent").first()
    # Codes such as 440101 (市辖区) or withdrawn counties are not in today's list; the first
    # four digits still name the prefecture city.
    city = Division.objects.filter(
        code=division_code[:4] + "00", level=Division.Level.PREFECTURE
    ).first()
    return UsccFacts(
        code=code,
        is_valid=True,
        authority_code=authority,
        authority_name=names.authority_name if names else "",
        category_code=category,
        category_name=names.category_name if names else "",
        division_code=division_code,
        division_name=division.name if division else "",
        city_code=city.code if city else "",
        city_name=city.name if city else "",
    )
