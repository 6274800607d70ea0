"""Registry of reference-data loaders, run in order by ``manage.py load_reference_data``.

Each app registers its loader in ``AppConfig.ready`` so that core imports no stage app.
A loader is idempotent and returns counts of what exists and what it created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LoadResult:
    name: str
    total: dict[str, int]
    created: int = 0
    updated: int = 0


Loader = Callable[[Path], LoadResult]
_loaders: list[tuple[int, str, Loader]] = []


def register(order: int, name: str, loader: Loader) -> None:
    if any(existing == name for _, existing, _ in _loaders):
        return
    _loaders.append((order, name, loader))
    _loaders.sort(key=lambda item: item[0])


def loaders() -> list[tuple[str, Loader]]:
    return [(name, loader) for _, name, loader in _loaders]
