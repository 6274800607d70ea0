"""Helpers shared by every XLSX the system writes."""

from __future__ import annotations

from typing import Any

# Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection"):
# a name like ``=HYPERLINK(...)`` or a reason like ``=cmd|' /C calc'!A0`` must stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """``value`` as it may go into a cell: user text starting like a formula is prefixed with
    an apostrophe's effect (a leading single quote), numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
