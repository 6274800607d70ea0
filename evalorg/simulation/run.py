"""Run the stages of a simulated round and report what each left behind.

``simulate(n, seed)`` is what ``manage.py simulate_round`` and the demo call. The round is
simulated in the past (by default it starts 300 days before today and ends before today), with
the process clock moved by time-machine stage by stage: audit events, deadlines, working days
and the 180-day period all see the simulated date. Real use afterwards continues the audit
chain in time order.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from tqdm import tqdm

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.core import clock
from evalorg.filing.batches import acceptance_batches
from evalorg.filing.models import FilingLetter
from evalorg.institutions.models import Institution
from evalorg.notify.outbox import simulated
from evalorg.publicity.models import Objection, PublicityNotice
from evalorg.rounds.models import Round
from evalorg.rounds.simulated import SIMULATED_CODE_PREFIX, simulating

from .stages import STAGES, Sim

DEFAULT_DAYS_BACK = 300
# From the notice to the last acceptance batch: the default start puts the whole round before
# today (the stages' dates stay within this span).
SPAN_DAYS = DEFAULT_DAYS_BACK


@dataclass
class StageResult:
    name: str
    seconds: float
    states: dict[str, int]


@dataclass
class Result:
    round: Round
    seconds: float
    stages: list[StageResult] = field(default_factory=list)
    audit_ok: bool = False
    audit_report: str = ""
    sim: Sim | None = None

    def final(self) -> dict[str, int]:
        return self.stages[-1].states if self.stages else {}


def free_tag(seed: int, n: int) -> str:
    base = f"{SIMULATED_CODE_PREFIX}{seed}-{n}"
    tag, k = base, 1
    while Round.objects.filter(code=tag).exists():
        k += 1
        tag = f"{base}-{k}"
    return tag


def states_of(round_: Round) -> dict[str, int]:
    rows = Application.objects.filter(round=round_).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def simulate(
    n: int,
    seed: int,
    *,
    start: date | None = None,
    tag: str | None = None,
    progress: bool = True,
    until: str | None = None,
    on_stage: Callable[[StageResult], None] | None = None,
    span_days: int = SPAN_DAYS,
    guests: list[Institution] | None = None,
) -> Result:
    """Run the stages (up to the stage function named ``until``), then ``verify_audit``.

    ``span_days``: how far past ``start`` the stages run (shorter when ``until`` stops early)."""
    start = start or clock.today() - timedelta(days=DEFAULT_DAYS_BACK)
    # Before anything is written: a calendar year the round's dates fall in must be there.
    clock.require_years(start, start + timedelta(days=span_days))
    sim = Sim(rng=random.Random(seed), start=start, tag=tag or free_tag(seed, n), n=n)
    sim.guests = list(guests or [])
    _fast_sqlite()
    began = time.perf_counter()
    results = []
    stages = STAGES
    if until is not None:
        names = [stage.__name__ for _label, stage in STAGES]
        stages = STAGES[: names.index(until) + 1]
    bar = tqdm(stages, disable=not progress, unit="阶段", ncols=90)
    # Its own sweeps see its round (the real-date sweeps never do); its messages and e-mails
    # are marked with its code, so the e-mails go to var/mail only and removal finds them.
    with simulating(), simulated(sim.tag):
        for name, stage in bar:
            bar.set_description(name)
            t0 = time.perf_counter()
            stage(sim)
            result = StageResult(name, time.perf_counter() - t0, states_of(sim.round))
            results.append(result)
            if on_stage:
                on_stage(result)
    bar.close()
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=out)
        ok = True
    except SystemExit as exit_:
        ok = exit_.code in (0, None)
    seconds = time.perf_counter() - began
    return Result(sim.round, seconds, results, ok, out.getvalue().strip(), sim)


def _fast_sqlite() -> None:
    """A bulk load of thousands of small transactions: on SQLite, do not wait for the disk
    after each commit (``synchronous=OFF`` for this connection only). A crash of the machine
    mid-run can lose the run; the database file stays consistent for every other use."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")


def line_counts(round_: Round) -> dict[str, int]:
    rows = (
        ApplicationOccupation.objects.filter(application__round=round_)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def labelled(counts: dict[str, int], choices) -> str:
    labels = dict(choices)
    return "，".join(f"{labels.get(k, k)} {v}" for k, v in sorted(counts.items()) if v)


def report(result: Result) -> str:
    """The stage-by-stage summary and where the documents are."""
    round_ = result.round
    lines = [f"批次 {round_.code}（{round_.name}），用时 {result.seconds:.1f} 秒", ""]
    for stage in result.stages:
        lines.append(
            f"{stage.name:<14}{stage.seconds:7.1f} 秒  {labelled(stage.states, State.choices)}"
        )
    letters = FilingLetter.objects.filter(application__round=round_)
    notices = PublicityNotice.objects.filter(round=round_)
    objections = Counter(
        Objection.objects.filter(notice__round=round_).values_list("status", flat=True)
    )
    lines += [
        "",
        f"职业（工种）：{labelled(line_counts(round_), ApplicationOccupation.Status.choices)}",
        f"异议：{labelled(dict(objections), Objection.Status.choices) or '无'}",
        f"验收批次：{acceptance_batches().filter(round=round_).count()} 个；"
        f"备案函：{letters.count()} 份",
        "",
        "文书在哪里：",
        "  公示 /public/notices/" + (f"{notices.first().pk}/" if notices.exists() else ""),
        "  验收批次公布 /public/acceptance/ ；备案名录 /public/registry/"
        "（CSV /public/registry.csv）",
        "  每份备案函（Word、PDF）在其申请的案件页 /applications/<id>/ 验收备案一节下载；"
        "文件存于私有存储（settings.MEDIA_ROOT），SHA-256 记入审计事件",
    ]
    if letters.exists():
        first = letters.select_related("application").order_by("number").first()
        lines.append(f"  例：{first.number} → /applications/{first.application_id}/")
    lines += ["", f"verify_audit：{'通过' if result.audit_ok else '失败'} — {result.audit_report}"]
    return "\n".join(lines)


__all__ = ["Result", "StageResult", "line_counts", "report", "simulate", "states_of"]
