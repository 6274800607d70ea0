"""Masking of personal numbers shown in lists and summaries (SPEC §8).

The full value is shown only on the record's own detail page.
"""

from __future__ import annotations

MASK = "*"


def _mask(value: str, keep_head: int, keep_tail: int) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        # Too short to keep anything without revealing most of it.
        return MASK * len(value)
    hidden = len(value) - keep_head - keep_tail
    return value[:keep_head] + MASK * hidden + value[len(value) - keep_tail :]


def mask_id_number(value: str) -> str:
    """``440102199001011234`` → ``440102********1234`` (first 6 and last 4 kept)."""
    return _mask(value, 6, 4)


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678`` (first 3 and last 4 kept)."""
    return _mask(value, 3, 4)


def mask_email(value: str) -> str:
    """``zhangsan@example.cn`` → ``zh******@example.cn`` (staff views, PIPL minimisation)."""
    local, _at, domain = (value or "").partition("@")
    if not domain:
        return mask_phone(value)
    return f"{local[:2]}{MASK * max(len(local) - 2, 1)}@{domain}"
