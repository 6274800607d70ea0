"""Simulated rounds (``manage.py simulate_round``, the ``make run`` demo round) are marked by
their code: ``sim-<seed>-<n>`` (``evalorg.simulation.run.free_tag``), ``sim-demo`` for the demo's
(``demo-sim`` in databases loaded before 2026.12.2). They never reach the
public pages of a production system (``public_rounds``), and production refuses to start while
one exists (core.production_guard)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .models import Round

SIMULATED_CODE_PREFIX = "sim-"
# The demo's simulated round was coded "demo-sim" before 2026.12.2 (now "sim-demo"): a database
# loaded then still holds it, and it is just as simulated.
LEGACY_SIMULATED_CODES = ("demo-sim",)
_simulating: ContextVar[bool] = ContextVar("simulating", default=False)


@contextmanager
def simulating() -> Iterator[None]:
    """The simulation runs the sweeps itself under its own clock: inside this block they see
    simulated rounds; everywhere else (``run_sweeps`` on the real date) they skip them."""
    token = _simulating.set(True)
    try:
        yield
    finally:
        _simulating.reset(token)


def is_simulated_code(code: str) -> bool:
    return code.startswith(SIMULATED_CODE_PREFIX) or code in LEGACY_SIMULATED_CODES


def simulated_q(prefix: str = "") -> Q:
    """Rows of simulated rounds (``prefix`` the lookup path to the round)."""
    return Q(**{f"{prefix}code__startswith": SIMULATED_CODE_PREFIX}) | Q(
        **{f"{prefix}code__in": LEGACY_SIMULATED_CODES}
    )


def swept(prefix: str) -> Q:
    """The sweeps' filter (``prefix`` the lookup path to the round): the real-date sweeps never
    touch a simulated round's cases (issue 23 item 5), which the simulation moves itself."""
    if _simulating.get():
        return Q()
    return ~simulated_q(prefix)


def simulated_rounds() -> QuerySet[Round]:
    return Round.objects.filter(simulated_q())


def not_simulated(prefix: str = "") -> Q:
    """A filter excluding simulated rounds' rows in production (``prefix`` is the lookup path
    to the round, e.g. ``"application__round__"``); matches everything elsewhere, so the demo
    shows its simulated round."""
    if not getattr(settings, "PRODUCTION", False):
        return Q()
    return ~simulated_q(prefix)


def simulated_round_traces() -> list[str]:
    count = simulated_rounds().count()
    return [_("%(n)d 个模拟批次") % {"n": count}] if count else []
