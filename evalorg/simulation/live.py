"""Live demo work (issue 22, "The demo"): beside the finished simulated round, small rounds
whose cases stand at a stage with time left, so every demo login finds work on its home page.

Each live round is a simulated round (``simulate``) started far enough in the past that the
stages up to ``until`` end before today; the step that leaves work open is then taken on the
real date by the demo staff, through the same services. Their codes do not start with
``sim-``: the real-date sweeps treat them like any round (publicity ends, reminders, day 180).

- 培育期: applicant_gz's institution takes part; cultivation began about 30 days ago (about
  150 days left) and its lines' banks can be uploaded (commitment signed).
- 验收批次: banks passed; one 深圳 organization is filed today, with a complaint waiting for
  sz_staff and a suspension waiting for the department's approval (live_supervision.py);
  province_staff proposes the others as a batch, which waits for the department's approval.
- 公示: the leadership group approved; province_staff publishes a notice today, open for
  objections on /public/notices/.
- 省级评审: cases sent by the cities; province_staff seats expert1..3 on the selection panel
  (scoresheets to fill) and schedules a defense session a week from today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

from django.conf import settings

from evalorg.applications.models import State
from evalorg.core import clock
from evalorg.core.demo import DemoContext
from evalorg.filing import batches
from evalorg.institutions.models import Institution
from evalorg.publicity.services import approved_cases, create_notice, publish_notice
from evalorg.review.services import selection_panel
from evalorg.rounds.models import Round
from evalorg.selection import defense

from .live_supervision import supervision_today
from .run import simulate
from .stages import Sim, _assign, _seat

LIVE_PREFIX = "demo-live-"
LIVE_INSTITUTIONS = 6
APPLICANT_GZ = "91440101MA5CXY0010"  # institutions.demo


@dataclass(frozen=True)
class LiveRound:
    name: str  # the round code's suffix
    seed: int
    days_back: int  # the simulated start, before today
    until: str  # the last simulated stage
    today: Callable[[Sim], None]  # the step taken on the real date
    guests: tuple[str, ...] = ()  # USCCs of demo institutions that take part


def _propose_batch(sim: Sim) -> None:
    cases = supervision_today(sim, list(batches.candidates(sim.round)))
    if cases:
        batches.create_batch(sim.round, "第二批验收（演示）", cases, sim.center)


def _publish_notice(sim: Sim) -> None:
    cases = approved_cases(sim.round, sim.center)
    if not cases:
        return
    notice = create_notice(
        round_=sim.round,
        cases=cases,
        title=f"{sim.round.year}年社会培训评价组织培育辅导对象名单公示（演示）",
        starts_on=clock.today(),
        objections_to="广东省职业技能服务指导中心，电话 020-00000000",
        template=sim.round.publicity_template,
        user=sim.center,
    )
    publish_notice(notice, sim.center)


def _schedule_defense(sim: Sim) -> None:
    cases = sim.fresh(State.PROVINCE_REVIEW)
    if not cases:
        return
    panel = selection_panel(sim.round, sim.center)
    _seat(panel, sim.experts[:3], sim.center)  # expert1..3: the pool lists existing experts first
    for application in cases:
        _assign(panel, application, sim.center)
    day = clock.today() + timedelta(days=7)
    while not clock.is_working_day(day):
        day += timedelta(days=1)
    session = defense.create_session(
        sim.round,
        sim.center,
        day=day,
        start_time=time(9, 0),
        place="广东省职业技能服务指导中心 3 楼答辩室",
    )
    defense.add_cases(session, [a.pk for a in cases], sim.center)


def _nothing(sim: Sim) -> None:
    return None


# The day offsets put each round's last simulated stage a few days before today (stages.py).
LIVE_ROUNDS = [
    LiveRound("cultivation", 2027, 85, "commitment_and_training", _nothing, (APPLICANT_GZ,)),
    LiveRound("acceptance", 2028, 200, "question_banks", _propose_batch),
    LiveRound("publicity", 2029, 45, "leadership", _publish_notice),
    LiveRound("defense", 2030, 28, "city_decisions", _schedule_defense),
]


def live_tag(live: LiveRound) -> str:
    return f"{LIVE_PREFIX}{live.name}"


def _run(live: LiveRound) -> Sim | None:
    result = simulate(
        LIVE_INSTITUTIONS,
        live.seed,
        start=clock.today() - timedelta(days=live.days_back),
        tag=live_tag(live),
        progress=False,
        until=live.until,
        span_days=live.days_back,
        guests=list(Institution.objects.filter(uscc__in=live.guests)),
    )
    sim = result.sim
    if sim is not None:
        live.today(sim)
    return sim


def _notes(context: DemoContext) -> None:
    context.notes.append(
        "\n演示进行中的工作 / live work (issue 22):\n"
        "  applicant_gz  培育期（约剩 150 天）：首页待办 → 职业（工种）页上传题库\n"
        "  gz_staff      待核验的申请；expert1..3 省级评审评分表；省级现场答辩安排在一周后\n"
        "  province_staff 验收批次已报送，department 待审定；公示期内 /public/notices/\n"
        "  sz_staff      已备案机构的投诉待调查核实；department 暂停处理决定待领导小组审定\n"
        "  applicant_sz  草稿申请待提交；admin 首页：待补充联系方式的评价指导机构"
    )


def build_live_rounds(context: DemoContext) -> None:
    """Idempotent: a live round already there (by its code) is left as it is."""
    if not settings.EVALORG_DEMO_LIVE:
        return
    for live in LIVE_ROUNDS:
        if not Round.objects.filter(code=live_tag(live)).exists():
            _run(live)
    _notes(context)
