"""One decimal for scores everywhere (issue #10) and the ranking names the method used."""

from decimal import Decimal
from types import SimpleNamespace

from django.template import Context, Template

from evalorg.review.scoring import format_score, methods_used


def test_one_decimal_half_up_and_a_dash_for_none():
    assert format_score(Decimal("80.25")) == "80.3"
    assert format_score(Decimal("80")) == "80.0"
    assert format_score(7.04) == "7.0"
    assert format_score(None) == "—"


def test_the_template_filter_uses_the_same_rule():
    rendered = Template("{% load score_tags %}{{ v|score }}").render(
        Context({"v": Decimal("66.666")})
    )
    assert rendered == "66.7"


def test_methods_used_names_the_fallback_to_the_plain_mean():
    rows = [
        SimpleNamespace(aggregate=SimpleNamespace(method=m))
        for m in ["mean", "mean", "trimmed_mean"]
    ]
    assert methods_used(rows) == ["算术平均（2 份）", "去掉一个最高分和一个最低分后平均（1 份）"]
