"""Searching the application's own source, for tests that forbid a pattern outside the few
modules allowed to use it (role comparisons outside the permission layer, states set outside
the engine)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "evalorg"


def lines_matching(pattern: re.Pattern[str], allowed: dict[str, str]) -> list[str]:
    """``evalorg/<path>:<line>: <code>`` for each code line (comments stripped) matching
    ``pattern``, outside migrations and the modules in ``allowed`` (path → why)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line.split("#", 1)[0]):
                found.append(f"evalorg/{relative}:{number}: {line.strip()}")
    return found
