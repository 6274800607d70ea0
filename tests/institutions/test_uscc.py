"""USCC parsing (GB 32100-2015): letter authority codes are valid (issue 10)."""

import pytest
from stdnum.cn import uscc as uscc_std

from evalorg.institutions.uscc import parse_uscc

pytestmark = pytest.mark.django_db


def with_check(first17: str) -> str:
    return first17 + uscc_std.calc_check_digit(first17)


@pytest.mark.parametrize(
    ("code", "authority", "city"),
    [
        (with_check("N2440101MA5CXY001"), "农业", "广州市"),
        (with_check("Y1440300MA5CXY001"), "其他", "深圳市"),
        (with_check("91440101MA5CXY001"), "工商", "广州市"),
    ],
)
def test_letter_and_digit_authorities_are_parsed(code, authority, city):
    facts = parse_uscc(code)
    assert facts.is_valid, facts.error
    assert facts.authority_name == authority and facts.city_name == city


def test_an_authority_pair_missing_from_the_table_parses_without_names():
    facts = parse_uscc(with_check("Q1440101MA5CXY001"))
    assert facts.is_valid and facts.authority_name == "" and facts.city_name == "广州市"


def test_a_wrong_check_character_and_a_letter_in_the_division_are_refused():
    good = with_check("N2440101MA5CXY001")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert "校验位" in parse_uscc(wrong).error
    assert "行政区划" in parse_uscc(with_check("N244A101MA5CXY001")).error
    assert "18 位" in parse_uscc("N2440101").error
