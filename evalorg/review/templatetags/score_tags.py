"""Scores show with one decimal everywhere (issue #10): pages, PDFs and exports."""

from __future__ import annotations

from django import template

from evalorg.review.scoring import format_score

register = template.Library()


@register.filter
def score(value) -> str:
    """``{{ total|score }}``: one decimal, half up; — for no score."""
    return format_score(value)
