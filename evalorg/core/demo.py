"""Registry of demo-data builders, run in order by ``manage.py load_demo`` (see reference.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    note: str = ""


@dataclass
class DemoContext:
    logins: list[DemoLogin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed after the logins


Builder = Callable[[DemoContext], None]
_builders: list[tuple[int, str, Builder]] = []


def register(order: int, name: str, builder: Builder) -> None:
    if any(existing == name for _, existing, _ in _builders):
        return
    _builders.append((order, name, builder))
    _builders.sort(key=lambda item: item[0])


def builders() -> list[tuple[str, Builder]]:
    return [(name, builder) for _, name, builder in _builders]
