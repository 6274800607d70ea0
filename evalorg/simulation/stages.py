"""The stages of a simulated round, one function each, in the order of the process (SPEC §6).

Every state change goes through ``perform()`` / ``perform_many()`` or the stage's own service
(which calls them); nothing here assigns a state. Where a step exists only in a view (panel
members, assignments, scoresheets, training sessions), the function does what the view does,
audit event included, and says so. Each stage runs at its own simulated moment
(``Sim.at``): the process's deadlines, working days and the 180-day clock all apply.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from pypdf import PdfWriter

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications.materials import add_material, applicable_items, current_materials
from evalorg.applications.models import Application, ApplicationOccupation, Route, State
from evalorg.applications.occupation_lines import create_lines
from evalorg.applications.workflow import perform
from evalorg.core import audit, clock
from evalorg.cultivation import bank_review, deliverables
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.deadlines import sweep_elimination, sweep_reminders
from evalorg.cultivation.models import CultivationPeriod
from evalorg.cultivation.training import create_session, record_attendance
from evalorg.filing import batches, services
from evalorg.institutions.models import ExclusionDeclaration, ExclusionItem, Institution, Level
from evalorg.publicity.services import (
    approved_cases,
    create_notice,
    file_objection,
    publish_notice,
    sweep_publicity_end,
)
from evalorg.review import conflicts, findings, scoresheets
from evalorg.review.decisions import send_batch
from evalorg.review.models import (
    Assignment,
    Panel,
    PanelMember,
    Stage,
)
from evalorg.review.panels import panel_for
from evalorg.review.services import ranked, selection_panel, template_for
from evalorg.review.verification import CheckInput, return_for_correction, verify
from evalorg.rounds.models import Round
from evalorg.selection import defense
from evalorg.selection.transitions import Proposal, record_leadership_decision

from . import people


def _blank_pdf() -> bytes:
    """A one-page blank PDF that the upload checks can parse (core.content_checks)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()
Line = ApplicationOccupation.Status
# City sizes for spreading institutions (广州 and 深圳 receive the most applications).
CITY_WEIGHTS = {"440100": 8, "440300": 8, "440600": 4, "441900": 4, "442000": 3, "440400": 3}


@dataclass
class Fate:
    """What the seed decides for one case before it starts."""

    quality: float
    returned: bool = False
    conflicted_expert: int | None = None
    absent: bool = False
    objection: str = ""  # "", "dismissed" or "upheld"
    broken_bank: bool = False
    review_fail: bool = False
    abandoned_lines: int = 0
    early: bool = False


@dataclass
class Sim:
    rng: random.Random
    start: date
    tag: str
    n: int
    round: Round | None = None
    cities: list[people.City] = field(default_factory=list)
    staff: dict[int, User] = field(default_factory=dict)
    center: User | None = None
    department: User | None = None
    experts: list[User] = field(default_factory=list)
    cases: list[Application] = field(default_factory=list)
    fates: dict[int, Fate] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    # The day the last stage acted on: the next stage counts from it.
    milestone: date | None = None
    cultivation_start: date | None = None
    # Existing institutions (the demo's applicant_gz) that take part in place of the first
    # simulated ones, with a fate that carries them through every stage.
    guests: list[Institution] = field(default_factory=list)

    @contextmanager
    def at(self, day: date, hour: int = 10) -> Iterator[None]:
        """Run the block at ``day`` ``hour``:00 Shanghai time, the clock ticking from there."""
        moment = datetime.combine(day, time(hour), tzinfo=clock.SHANGHAI)
        with time_machine.travel(moment, tick=True):
            yield

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)

    def fresh(self, state: str | None = None) -> list[Application]:
        qs = Application.objects.filter(round=self.round).select_related(
            "institution", "receiving_agency", "round"
        )
        if state:
            qs = qs.filter(state=state)
        return list(qs.order_by("pk"))

    def user_of(self, application: Application) -> User:
        return self.users[application.institution_id]


def upload(name: str, data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# ---- the round, the people and the applications ---------------------------------------------


def create_round(sim: Sim) -> None:
    """A copy of the 2023 reference round (rules, checklist, scoresheets) moved to ``start``."""
    reference = Round.objects.get(is_reference=True, code="gd-2023")
    shift = (sim.start - reference.published_on).days
    with sim.at(sim.start):
        sim.round = reference.copy(
            code=sim.tag,
            name=f"{sim.start.year}年社会培训评价组织遴选（模拟 {sim.tag}）",
            year=sim.start.year,
            shift_days=shift,
        )
    sim.cities = people.cities()
    sim.center = people.staff_of(
        Agency.objects.get(kind=Agency.Kind.PROVINCE), Role.PROVINCE_STAFF, "sim-center", "省中心"
    )
    sim.department = people.staff_of(
        Agency.objects.get(kind=Agency.Kind.DEPARTMENT), Role.DEPARTMENT, "sim-dept", "省人社厅"
    )
    sim.experts = people.expert_pool(9)


def _spread(sim: Sim) -> list[people.City]:
    """Every city once (when N allows), the rest by city size."""
    order = list(sim.cities)
    chosen = order[: min(sim.n, len(order))]
    weights = [CITY_WEIGHTS.get(c.code, 1) for c in order]
    chosen += sim.rng.choices(order, weights=weights, k=max(0, sim.n - len(order)))
    return chosen


def _fate(rng: random.Random) -> Fate:
    objection = rng.choices(["", "dismissed", "upheld"], weights=[90, 6, 4])[0]
    return Fate(
        quality=rng.random(),
        returned=rng.random() < 0.15,
        conflicted_expert=rng.randrange(4) if rng.random() < 0.1 else None,
        absent=rng.random() < 0.05,
        objection=objection,
        broken_bank=rng.random() < 0.3,
        review_fail=rng.random() < 0.25,
        abandoned_lines=rng.choices([0, 1, 9], weights=[70, 15, 15])[0],
        early=rng.random() < 0.6,
    )


# The size of the occupation pool before issue 22 narrowed it to fitting occupations: drawing
# positions from a range this size keeps every seed's later draws (fates, levels) as they were.
LEGACY_POOL_SIZE = 47


def _draw(rng: random.Random, pool: list[str], count: int) -> list[str]:
    """``count`` distinct codes of ``pool``, consuming the random stream as before."""
    positions = rng.sample(range(max(LEGACY_POOL_SIZE, len(pool))), count)
    codes: list[str] = []
    for position in positions:
        k = position % len(pool)
        while pool[k] in codes:
            k = (k + 1) % len(pool)
        codes.append(pool[k])
    return codes


def institutions_and_drafts(sim: Sim) -> None:
    """N institutions over the 21 cities, each with a draft: occupations that fit its category
    and have a national standard (``people.occupation_pool``) at levels 5 (and 4), every
    applicable material uploaded through ``add_material``."""
    pools: dict[str, list[str]] = {}
    taken: set[str] = set()
    with sim.at(sim.day(2)):
        for index, city in enumerate(_spread(sim), start=1):
            with transaction.atomic():
                guest = sim.guests[index - 1] if index <= len(sim.guests) else None
                institution = guest or people.make_institution(sim.rng, city, sim.tag, index, taken)
                user = institution.memberships.select_related("user").get().user
                sim.users[institution.pk] = user
                ExclusionDeclaration.objects.bulk_create(
                    ExclusionDeclaration(institution=institution, item=item, applies=False)
                    for item in ExclusionItem.values
                    # A guest has declared already (the demo's institutions.demo).
                ) if guest is None else None
                application = Application.objects.create(
                    round=sim.round,
                    institution=institution,
                    created_by=user,
                    declarations_confirmed=True,
                    route=Route.PROVINCE if institution.level == Level.PROVINCIAL else "",
                )
                category = institution.category
                if category not in pools:
                    pools[category] = people.occupation_pool(category)
                pool = pools[category]
                count = min(len(pool), 2 if sim.rng.random() < 0.2 else 1)
                for code in _draw(sim.rng, pool, count):
                    levels = [5, 4] if sim.rng.random() < 0.6 else [5]
                    create_lines(application, code, levels)
                for item in applicable_items(application):
                    if "pdf" in item.allowed_kinds:
                        add_material(application, item, upload(f"{item.title[:20]}.pdf"), user)
            sim.cases.append(application)
            sim.fates[application.pk] = Fate(quality=0.95) if guest else _fate(sim.rng)


def submissions(sim: Sim) -> None:
    """Applicants submit over two weeks before the deadline (N-4.1.1)."""
    for k, application in enumerate(sim.cases):
        with sim.at(sim.day(5 + k % 12), hour=9 + k % 8):
            perform(application, "submit", sim.user_of(application))


def _staff(sim: Sim, application: Application) -> User:
    """The receiving agency's staff: a city's, or the center's for its first instance."""
    agency = application.receiving_agency
    if agency.kind == Agency.Kind.PROVINCE:
        return sim.center
    if agency.pk not in sim.staff:
        sim.staff[agency.pk] = people.staff_of(
            agency, Role.CITY_STAFF, f"sim-staff-{agency.division_id}", f"{agency.name}审核员"
        )
    return sim.staff[agency.pk]


def _checks(application: Application, failing: str = "") -> list[CheckInput]:
    uploaded = set(current_materials(application))
    return [
        CheckInput(
            code=item.code,
            title=item.title,
            optional=item.required_when == "optional",
            present=item.code in uploaded,
            complete=item.code in uploaded and item.code != failing,
            authentic=item.code in uploaded,
            note="营业执照复印件不清晰，请重新上传加盖公章的扫描件。"
            if item.code == failing
            else "",
        )
        for item in applicable_items(application)
    ]


def _verify(application: Application, staff: User) -> None:
    """Staff record a conclusion on each open needs_review finding first (the verify guard
    refuses while one is open), then pass the verification."""
    for finding in findings.open_findings(application):
        findings.resolve(application, finding.key, "已人工核实，符合要求", staff)
    verify(application, _checks(application), staff)


def verification(sim: Sim) -> None:
    """City staff check every item: most cases pass, the seed returns some for correction."""
    with sim.at(sim.day(17)):
        for application in sim.fresh(State.SUBMITTED):
            staff = _staff(sim, application)
            if sim.fates[application.pk].returned:
                failing = applicable_items(application)[0].code
                return_for_correction(application, _checks(application, failing), "", staff)
            else:
                _verify(application, staff)


def corrections(sim: Sim) -> None:
    """Returned applicants replace the material and resubmit; staff verify (N-4.1.2)."""
    returned = sim.fresh(State.RETURNED_FOR_CORRECTION)
    with sim.at(sim.day(19)):
        for application in returned:
            user = sim.user_of(application)
            item = applicable_items(application)[0]
            old = application.materials.get(item_code=item.code, is_current=True)
            add_material(application, item, upload("补正材料.pdf"), user, replaces=old)
            perform(application, "resubmit", user)
    with sim.at(sim.day(20)):
        for application in sim.fresh(State.SUBMITTED):
            _verify(application, _staff(sim, application))


# ---- panels, conflicts and scores ------------------------------------------------------------


def _seat(panel: Panel, experts: list[User], actor: User) -> None:
    """What the panel page's 加入评审组 does, audit included."""
    for expert in experts:
        _member, created = PanelMember.objects.get_or_create(panel=panel, expert=expert)
        if created:
            audit.record("panel_member_added", panel, actor=actor, data={"expert": expert.pk})


def _assign(panel: Panel, application: Application, actor: User) -> None:
    """What the panel page's 分配 does (the whole panel scores), audit included."""
    Assignment.objects.get_or_create(panel=panel, application=application)
    audit.record(
        "application_assigned",
        application,
        actor=actor,
        data={"panel": panel.pk, "experts": []},
        audience=audit.Audience.INTERNAL,
    )


def _score(sim: Sim, panel: Panel, application: Application, expert: User, stage: str) -> None:
    """What the expert's scoresheet page stores on 提交, audit included."""
    quality = sim.fates[application.pk].quality
    items = template_for(sim.round, stage)
    scores = {}
    for item in items:
        points = float(item.max_points) * min(1.0, max(0.2, quality + sim.rng.gauss(0, 0.08)))
        scores[item.code] = round(points)
    key = {"panel": panel, "application": application, "expert": expert}
    opinion = "recommend" if quality > 0.4 else "not_recommend"
    scoresheets.submit(key, 0, scores, {}, opinion, expert=expert)


def _review(sim: Sim, panel: Panel, cases: list[Application], experts: list[User]) -> None:
    """Experts declare (the seed makes some conflicted) and the others score."""
    stage = panel.stage
    for application in cases:
        conflicted = sim.fates[application.pk].conflicted_expert
        for k, expert in enumerate(experts):
            if k == conflicted and stage != Stage.PROVINCE_SELECTION:
                conflicts.declare(
                    panel, application, expert, "former_employee", "三年内曾在该机构兼职授课"
                )
                continue
            conflicts.declare(panel, application, expert, "none")
            _score(sim, panel, application, expert, stage)


def city_assessment(sim: Sim) -> None:
    """Each city's panel of four experts scores its verified cases."""
    by_agency: dict[int, list[Application]] = {}
    for application in sim.fresh(State.VERIFIED):
        by_agency.setdefault(application.receiving_agency_id, []).append(application)
    for k, (_agency_id, cases) in enumerate(sorted(by_agency.items())):
        staff = _staff(sim, cases[0])
        experts = [sim.experts[(k + j) % len(sim.experts)] for j in range(4)]
        with sim.at(sim.day(21)):
            panel = panel_for(cases[0].receiving_agency, sim.round, staff)
            _seat(panel, experts, staff)
            for application in cases:
                _assign(panel, application, staff)
        with sim.at(sim.day(22)):
            _review(sim, panel, cases, experts)


def city_decisions(sim: Sim) -> None:
    """Scoring complete, the ranking, recommend the top two thirds, send as one batch."""
    by_agency: dict[int, list[Application]] = {}
    for application in sim.fresh(State.VERIFIED):
        by_agency.setdefault(application.receiving_agency_id, []).append(application)
    with sim.at(sim.day(24)):
        for cases in by_agency.values():
            staff = _staff(sim, cases[0])
            for application in cases:
                perform(application, "score_complete", staff)
            rows = ranked(cases[0].receiving_agency, sim.round)
            cut = math.ceil(len(rows) * 2 / 3)
            for row in rows:
                yes = row.rank <= cut
                reason = f"综合得分 {row.aggregate.total}，排名第 {row.rank}，" + (
                    "产业代表性和评价专业性较强，予以推荐。" if yes else "综合得分偏低，暂不推荐。"
                )
                perform(
                    row.application,
                    "recommend" if yes else "not_recommend",
                    staff,
                    reason=reason,
                    rank=row.rank,
                    total=row.aggregate.total,
                )
    with sim.at(sim.day(26)):
        for cases in by_agency.values():
            recommended = [
                a
                for a in sim.fresh(State.RECOMMENDED)
                if a.receiving_agency_id == cases[0].receiving_agency_id
            ]
            if recommended:
                send_batch(recommended, _staff(sim, cases[0]))


# ---- the provincial review --------------------------------------------------------------------

SLOTS_PER_SESSION = 12


def province_review(sim: Sim) -> None:
    """The center's selection panel, defense sessions (confirmed by the applicants, a few
    absent), the experts' province scoresheets."""
    cases = sim.fresh(State.PROVINCE_REVIEW)
    experts = sim.experts[:5]
    with sim.at(sim.day(30)):
        panel = selection_panel(sim.round, sim.center)
        _seat(panel, experts, sim.center)
        for application in cases:
            _assign(panel, application, sim.center)
        sessions = []
        for k in range(0, len(cases), SLOTS_PER_SESSION):
            session = defense.create_session(
                sim.round,
                sim.center,
                day=sim.day(35 + k // SLOTS_PER_SESSION),
                start_time=time(9, 0),
                place="广东省职业技能服务指导中心 3 楼答辩室",
            )
            chunk = cases[k : k + SLOTS_PER_SESSION]
            defense.add_cases(session, [a.pk for a in chunk], sim.center)
            sessions.append((session, chunk))
    with sim.at(sim.day(31)):
        for session, _chunk in sessions:
            for slot in session.slots.select_related("application__institution"):
                defense.respond(slot, sim.user_of(slot.application), confirm=True)
    for session, chunk in sessions:
        with sim.at(session.date, hour=17):
            for slot in session.slots.select_related("application"):
                absent = sim.fates[slot.application_id].absent
                action = "mark_absent" if absent else "mark_attended"
                perform(slot, action, sim.center)
            _review(sim, panel, chunk, experts)


def province_decisions(sim: Sim) -> None:
    """Select the top 60 % of the province-wide ranking, reject the rest with a reason."""
    center_agency = sim.center.agency
    last = sim.day(35 + max(0, len(sim.fresh(State.PROVINCE_REVIEW)) - 1) // SLOTS_PER_SESSION)
    with sim.at(last + timedelta(days=2)):
        rows = ranked(center_agency, sim.round, Stage.PROVINCE_SELECTION)
        rows = [r for r in rows if r.application.state == State.PROVINCE_REVIEW]
        cut = math.ceil(len(rows) * 0.6)
        for row in rows:
            yes = row.rank <= cut
            reason = f"省级评审综合得分 {row.aggregate.total}，全省排名第 {row.rank}。"
            perform(
                row.application,
                "select" if yes else "reject",
                sim.center,
                decision_reason=reason,
                reason=reason if yes else reason + "未进入拟入选范围。",
                rank=row.rank,
                total=row.aggregate.total,
            )
    sim.milestone = last + timedelta(days=2)


def leadership(sim: Sim) -> None:
    """The leadership group approves the selected cases (N-4.1.3), minutes uploaded."""
    selected = sim.fresh(State.SELECTED)
    day = sim.milestone + timedelta(days=5)
    if selected:
        with sim.at(day):
            record_leadership_decision(
                sim.round,
                [Proposal(a, True) for a in selected],
                decided_on=day,
                meeting_ref=f"遴选工作领导小组{day.year}年第2次会议",
                minutes=upload("会议纪要.pdf"),
                note="同意省级评审结果。",
                user=sim.department,
            )
    sim.milestone = day


def _working_day_from(day: date) -> date:
    while not clock.is_working_day(day):
        day += timedelta(days=1)
    return day


def publicity(sim: Sim) -> None:
    """The notice (5 working days), named objections investigated and decided, the period's
    end by the ``publicity_end`` sweep: to cultivation or 异议成立."""
    day = _working_day_from(sim.milestone + timedelta(days=3))
    with sim.at(day, hour=9):
        cases = approved_cases(sim.round, sim.center)
        if not cases:
            return
        notice = create_notice(
            round_=sim.round,
            cases=cases,
            title=f"{sim.round.year}年社会培训评价组织培育辅导对象名单公示",
            starts_on=day,
            objections_to="广东省职业技能服务指导中心，电话 020-00000000",
            template=sim.round.publicity_template,
            user=sim.center,
        )
        notice = publish_notice(notice, sim.center)
    objected = []
    with sim.at(day + timedelta(days=1)):
        for entry in notice.entries.select_related("application"):
            outcome = sim.fates[entry.application_id].objection
            if outcome:
                objection = file_objection(
                    notice,
                    entry,
                    name=people.person_name(sim.rng),
                    phone="13800000000",
                    email="objector@example.org",
                    grounds="反映该机构申报的考评人员名单中有人员未在该机构任职，材料不实。",
                )
                objected.append((objection, outcome))
    with sim.at(day + timedelta(days=2)):
        for objection, outcome in objected:
            objection = perform(objection, "investigate", sim.center)
            reason = (
                "经调查核实，反映情况属实，该机构申报材料不实。"
                if outcome == "upheld"
                else "经调查核实，相关人员劳动合同和社保记录齐全，反映情况不属实。"
            )
            perform(
                objection, "uphold" if outcome == "upheld" else "dismiss", sim.center, reason=reason
            )
    with sim.at(notice.ends_on + timedelta(days=1), hour=0):
        sweep_publicity_end()
    period = CultivationPeriod.objects.filter(application__round=sim.round).first()
    sim.cultivation_start = period.starts_on if period else None


# ---- cultivation, acceptance and filing ------------------------------------------------------


def commitment_and_training(sim: Sim) -> None:
    """Every organization signs 附件5; the city agencies hold exam-administration training."""
    start = sim.cultivation_start
    cases = sim.fresh(State.CULTIVATING)
    if start is None or not cases:
        return
    with sim.at(start + timedelta(days=2)):
        for k, application in enumerate(cases):
            sign(
                application,
                sim.user_of(application),
                application.institution.legal_rep_name,
                f"198.51.100.{k % 250 + 1}",
            )
    with sim.at(start + timedelta(days=20)):
        by_agency: dict[int, list[Application]] = {}
        for application in cases:
            by_agency.setdefault(application.receiving_agency_id, []).append(application)
        for group in by_agency.values():
            staff = _staff(sim, group[0])
            session = create_session(
                staff,
                held_on=start + timedelta(days=20),
                topic="职业技能等级认定考务管理与试题开发培训",
                place=f"{staff.agency.name}培训室",
            )
            for application in group:
                record_attendance(
                    session,
                    staff,
                    institution=application.institution,
                    attendee_name=application.institution.contact_name,
                    attended=sim.rng.random() < 0.9,
                )


_BANKS: dict[int, tuple[bytes, bytes, bytes, dict[str, bytes]]] = {}


def _bank_files(level: int) -> tuple[bytes, bytes, bytes, dict[str, bytes]]:
    """The specification table, the theory bank, the same bank with a broken answer and the
    other three workbooks (skill bank, paper-assembly plan, marking scheme) by kind."""
    if level not in _BANKS:
        bank = make_bank(level=level, seed=level)
        others = {
            "skill": bank.skill_xlsx(),
            "paper_plan": bank.paper_plan_xlsx(),
            "marking": bank.marking_xlsx(),
        }
        broken = bank.theory_xlsx(broken_rows=(5,))
        _BANKS[level] = (bank.spec_xlsx(), bank.theory_xlsx(), broken, others)
    return _BANKS[level]


def _lines(sim: Sim, status: str | None = None) -> list[ApplicationOccupation]:
    qs = ApplicationOccupation.objects.filter(
        application__round=sim.round, application__state=State.CULTIVATING
    ).select_related("application__institution", "application__round")
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("application_id", "pk"))


def question_banks(sim: Sim) -> None:
    """Per occupation line, the five deliverables: some theory banks fail the checks and are
    fixed; lines the seed abandons never come; the center passes or fails each submitted
    line, failed ones are resubmitted and pass."""
    start = sim.cultivation_start
    if start is None:
        return
    lines = _kept(sim, _lines(sim, Line.CULTIVATING))
    broken = []
    with sim.at(start + timedelta(days=60)):
        for line in lines:
            user = sim.user_of(line.application)
            spec, theory, bad, others = _bank_files(line.level)
            fate = sim.fates[line.application_id]
            deliverables.upload(line, "specification", upload("鉴定要素细目表.xlsx", spec), user)
            first = bad if fate.broken_bank else theory
            deliverables.upload(line, "theory", upload("理论知识试题.xlsx", first), user)
            for kind, name in (
                ("skill", "操作技能试题.xlsx"),
                ("marking", "评分标准.xlsx"),
                ("paper_plan", "组卷方案.xlsx"),
            ):
                scan = upload(f"{name[:-5]}（盖章）.pdf") if kind == "marking" else None
                deliverables.upload(line, kind, upload(name, others[kind]), user, attachment=scan)
            if fate.broken_bank:
                broken.append(line)
    with sim.at(start + timedelta(days=70)):
        for line in broken:
            _spec, theory, _bad, _others = _bank_files(line.level)
            deliverables.upload(
                line,
                "theory",
                upload("理论知识试题（修改）.xlsx", theory),
                sim.user_of(line.application),
            )
        for line in lines:
            perform(line, "submit_bank", sim.user_of(line.application))
    with sim.at(start + timedelta(days=80)):
        for line in _lines(sim, Line.BANK_SUBMITTED):
            failing = sim.fates[line.application_id].review_fail and line.level == 5
            _expert_review(sim, line, RECOMMENDATION[failing])
    with sim.at(start + timedelta(days=85)):
        for line in _lines(sim, Line.BANK_SUBMITTED):
            if sim.fates[line.application_id].review_fail and line.level == 5:
                bank_review.decide(
                    line, "fail_bank", sim.center, "请按各项意见修改后重新提交。", BANK_COMMENTS
                )
            else:
                bank_review.decide(line, "pass_bank", sim.center, "", {})
    with sim.at(start + timedelta(days=100)):
        for line in _lines(sim, Line.BANK_FAILED):
            perform(line, "submit_bank", sim.user_of(line.application))
    with sim.at(start + timedelta(days=105)):
        for line in _lines(sim, Line.BANK_SUBMITTED):
            _expert_review(sim, line, "pass")
    with sim.at(start + timedelta(days=110)):
        for line in _lines(sim, Line.BANK_SUBMITTED):
            bank_review.decide(line, "pass_bank", sim.center, "已按意见修改。", {})


RECOMMENDATION = {True: "fail", False: "pass"}  # the experts' sheets as the fate says
BANK_COMMENTS = {
    "theory": "理论知识试题难度分布偏低。",
    "marking": "技能操作考核评分记录表不完整。",
}
BANK_FINDINGS = {
    "specification": "鉴定要素覆盖国家职业技能标准。",
    "theory": "题量充足，题型比例符合组卷要求。",
    "skill": "操作任务贴近岗位实际。",
    "paper_plan": "组卷方案与细目表一致。",
    "marking": "评分细则可操作。",
}


def _expert_review(sim: Sim, line: ApplicationOccupation, recommendation: str) -> None:
    """The center assigns the round's required number of experts not conflicted with the
    organization (N-4.1.2); each submits its sheet (issue 20 item 4, N-4.2)."""
    rng = random.Random(f"bank-review-{line.pk}-{bank_review.current_round(line)}")
    experts = sim.experts[:]
    rng.shuffle(experts)
    chosen = [e for e in experts if not bank_review.conflict_reasons(line, e)]
    findings = BANK_FINDINGS | (BANK_COMMENTS if recommendation == "fail" else {})
    for expert in chosen[: bank_review.required_sheets()]:
        assignment = bank_review.assign(line, expert, sim.center)
        bank_review.submit_sheet(assignment, findings, recommendation, expert)


def _kept(sim: Sim, lines: list[ApplicationOccupation]) -> list[ApplicationOccupation]:
    """The lines the organizations work on: the seed abandons the first k of each case."""
    position: dict[int, int] = {}
    kept = []
    for line in lines:  # ordered by case, then line
        k = position.get(line.application_id, 0)
        position[line.application_id] = k + 1
        if k >= sim.fates[line.application_id].abandoned_lines:
            kept.append(line)
    return kept


def _batch(sim: Sim, day: date, cases: list[Application], title: str) -> None:
    """成熟一批，公布一批: propose, the department approves, letters, published."""
    if not cases:
        return
    with sim.at(day):
        batch = batches.create_batch(sim.round, title, cases, sim.center)
    decided = day + timedelta(days=5)
    with sim.at(decided):
        batches.record_approval(
            batch,
            [batches.Tick(a.pk, True) for a in cases],
            decided_on=decided,
            meeting_ref=f"厅务会{decided.year}年第{sim.rng.randint(10, 30)}次会议",
            minutes=upload("验收会议纪要.pdf"),
            user=sim.department,
        )
    with sim.at(day + timedelta(days=6)):
        batch = batches.LeadershipApproval.objects.get(pk=batch.pk)
        batches.issue_letters(batch, sim.center)
        # The task worker renders the documents (filing.services); the simulation does not wait
        # for it: it renders them here, as the worker would, before publishing the batch.
        for letter in batches.documents_pending(batch):
            services.render_documents(letter.pk)
        batches.publish(batch, sim.center)


def first_acceptance(sim: Sim) -> None:
    if sim.cultivation_start is None:
        return
    day = sim.cultivation_start + timedelta(days=120)
    ready = [a for a in batches.candidates(sim.round) if sim.fates[a.pk].early]
    _batch(sim, day, ready, "第一批验收")


def reminders_and_elimination(sim: Sim) -> None:
    """The reminder sweep 30 and 7 days before the last day and on it, then the day-180
    elimination sweep (N-4.3) with the clock past the last day."""
    if sim.cultivation_start is None:
        return
    last = sim.cultivation_start + timedelta(days=sim.round.cultivation_days - 1)
    for before in (30, 7, 0):
        with sim.at(last - timedelta(days=before), hour=8):
            sweep_reminders()
    with sim.at(last + timedelta(days=1), hour=0):
        sweep_elimination()


def second_acceptance(sim: Sim) -> None:
    if sim.cultivation_start is None:
        return
    day = sim.cultivation_start + timedelta(days=sim.round.cultivation_days + 5)
    _batch(sim, day, list(batches.candidates(sim.round)), "第二批验收")


from .after_filing import after_filing  # noqa: E402  (its helpers come from this module)

STAGES = [
    ("创建遴选批次", create_round),
    ("机构注册与申请草稿", institutions_and_drafts),
    ("提交申请", submissions),
    ("地市初审", verification),
    ("退回补正与重新提交", corrections),
    ("地市专家评估", city_assessment),
    ("地市推荐与报送", city_decisions),
    ("省级评审与现场答辩", province_review),
    ("省级遴选决定", province_decisions),
    ("领导小组审定", leadership),
    ("公示与异议处理", publicity),
    ("承诺书与考务培训", commitment_and_training),
    ("题库开发与审核", question_banks),
    ("第一批验收与备案", first_acceptance),
    ("培育期届满与自然淘汰", reminders_and_elimination),
    ("第二批验收与备案", second_acceptance),
    ("备案后：认定、投诉、抽查与处理", after_filing),
]
