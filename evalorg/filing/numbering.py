"""Filing letter numbers: ``粤职评备〔2023〕001号`` = round prefix + 备 + year + sequence.

The counter row is locked with ``select_for_update`` inside the caller's transaction, so two
letters issued at the same moment get distinct numbers, and a rolled-back issue frees nothing
that another letter already used (numbers are never reused).
"""

from __future__ import annotations

import re

from evalorg.core.counters import locked_counter
from evalorg.rounds.models import Round

from .models import FilingLetter, LetterSequence

_YEAR_SUFFIX = re.compile(r"〔\d{4}〕$")


def format_number(round_: Round, year: int, sequence: int) -> str:
    """The round's prefix (a year it may end with, as in ``粤职评〔2023〕``, is dropped: the
    letter's own year follows ``备``), ``备``, the issue year and a 3-digit sequence."""
    prefix = _YEAR_SUFFIX.sub("", round_.numbering_prefix.strip())
    return f"{prefix}备〔{year}〕{sequence:03d}号"


def next_number(round_: Round, year: int) -> str:
    """The next number of ``round_`` and ``year``; call inside ``transaction.atomic()``."""
    sequence = locked_counter(LetterSequence, round=round_, year=year)
    sequence.last += 1
    # Two rounds of one year may share a prefix (Round.copy keeps it; the default is 粤职评):
    # skip the numbers another round already issued (the unique number still guards a race).
    while FilingLetter.objects.filter(number=format_number(round_, year, sequence.last)).exists():
        sequence.last += 1
    sequence.save(update_fields=["last"])
    return format_number(round_, year, sequence.last)
