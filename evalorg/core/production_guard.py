"""Demo data can never be production (issue 23 item 3).

A trial database promoted to production, or a demo backup restored into it, brings the demo
accounts with their published password (``Demo-Pass-2026``), the published demo TOTP key and
simulated rounds. With ``EVALORG_PRODUCTION=1`` the process refuses to start while any of
them is present: the ``evalorg.E010`` system check stops every management command (the worker,
the sweeps, ``migrate``), and ``evalorg/wsgi.py`` calls ``refuse_demo_data()`` so gunicorn's
workers (its master, with ``preload_app``) do not start either. Apps register what they know
to look for (``register_demo_probe``); core imports none of them.

Cost: a probe hashes the demo password only against the demo usernames that exist and the
superusers (PBKDF2, about 0.23 s each), never against every account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError

DemoProbe = Callable[[], list[str]]
_probes: list[DemoProbe] = []

REMEDY = (
    "删除演示账户、演示动态验证码设备和模拟批次后再启动（docs/operations.md“Demo data”；"
    "需要时用 manage.py <命令> --skip-checks 清理）。"
)


def register_demo_probe(probe: DemoProbe) -> None:
    """``probe()`` returns one line per demo trace it finds (in Chinese, no internal ids)."""
    if probe not in _probes:
        _probes.append(probe)


def demo_traces() -> list[str]:
    traces: list[str] = []
    for probe in _probes:
        traces.extend(probe())
    return traces


def is_production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def refuse_demo_data() -> None:
    """Called at start-up (wsgi): raise when production holds demo data."""
    if not is_production():
        return
    traces = demo_traces()
    if traces:
        raise ImproperlyConfigured(
            "EVALORG_PRODUCTION=1 但数据库中有演示数据：" + "；".join(traces) + "。" + REMEDY
        )


def refuse_in_production(what: str) -> None:
    """For demo commands (load_demo, demo_totp, simulate_round)."""
    if is_production():
        raise CommandError(f"生产环境（EVALORG_PRODUCTION=1）不得运行{what}。")


@checks.register()
def demo_data_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not is_production():
        return []
    try:
        traces = demo_traces()
    except DatabaseError:
        return []  # not migrated yet: no data
    return [
        checks.Error(f"生产环境中有演示数据：{trace}", hint=REMEDY, id="evalorg.E010")
        for trace in traces
    ]
