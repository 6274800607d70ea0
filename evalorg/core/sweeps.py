"""Registry of sweeps: idempotent jobs run every few minutes by ``manage.py run_sweeps``.

A sweep catches up with whatever time or a crashed worker left behind (e-mails still queued,
stale claims; later: publicity that ended, reminders, elimination at day 180). Apps register
theirs in ``AppConfig.ready`` so that core imports no stage app. A sweep takes no argument,
must be safe to run again at any moment and returns one line saying what it did. Each runs in
its own transaction: one failing sweep is rolled back and reported, the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)

Sweep = Callable[[], str]
_sweeps: dict[str, Sweep] = {}


@dataclass(frozen=True)
class SweepResult:
    name: str
    summary: str
    ok: bool = True


def register_sweep(name: str, fn: Sweep) -> None:
    if name in _sweeps:
        raise ImproperlyConfigured(f"Sweep {name!r} is registered twice.")
    _sweeps[name] = fn


def unregister_sweep(name: str) -> None:
    """For tests that register a throw-away sweep."""
    _sweeps.pop(name, None)


def sweep_names() -> list[str]:
    return list(_sweeps)


def run_sweeps() -> list[SweepResult]:
    return [_run_one(name, fn) for name, fn in list(_sweeps.items())]


def _run_one(name: str, fn: Sweep) -> SweepResult:
    try:
        with transaction.atomic():
            return SweepResult(name, fn())
    except Exception as exc:  # one broken sweep must not stop the others
        logger.exception("sweep %s failed", name)
        return SweepResult(name, f"failed: {exc!r}", ok=False)
