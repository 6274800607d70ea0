"""The simulated round after filing (issue 25, N-5.2): the life of the filed organizations.

From a few days after the round's last filing letter: two organizations register assessment
plans that their local agency accepts (a quality supervisor drawn from the agency's pool), report
their results with a roster, and the supervisors file their reports; a complaint is filed and
dismissed; the center draws every simulated organization for a random inspection, publishes the
draw, one inspection finds a problem that is rectified and closed, the others find none; one
organization is suspended and another's filing revoked, each drafted by its local agency,
reviewed by the center and approved by the department with minutes. Every step goes through the
same services and ``perform()`` as the pages, at the simulated date.

Only organizations received by a city take part (for them the city is the local agency of every
after-filing record), and the draw is restricted to the simulation's own organizations, so a
simulation run on a trial database never inspects a real one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Max

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.complaints.complaints import file_complaint
from evalorg.core.workflow import perform
from evalorg.documents.minutes import store_minutes
from evalorg.filing.models import FilingLetter
from evalorg.review.models import ExpertProfile
from evalorg.sanctions.models import Sanction
from evalorg.sanctions.sanctions import create_draft
from evalorg.supervision.inspections import create_draw
from evalorg.supervision.models import AssessmentPlan, Inspection
from evalorg.supervision.plans import create_plan
from evalorg.supervision.roster import Row, replace_roster

from . import people

if TYPE_CHECKING:
    from .stages import Sim

SUPERVISORS_PER_AGENCY = 2
# Another city's pool, so that every organization has an inspector from outside its city.
OUTSIDE_POOL_CITY = "440300"  # 深圳
OUTSIDE_POOL_FALLBACK = "440100"  # 广州, when the organizations are all in Shenzhen


def filed_cases(sim: Sim) -> list[Application]:
    """The round's filed cases received by a city, in id order."""
    letters = FilingLetter.objects.filter(
        application__round=sim.round,
        kind=FilingLetter.Kind.FILING,
        application__receiving_agency__kind=Agency.Kind.CITY,
    ).select_related("application__institution", "application__receiving_agency")
    return [letter.application for letter in letters.order_by("application_id")]


def _pool(agency: Agency) -> list[User]:
    """The agency's simulated pool experts (created once, shared by every run)."""
    experts = []
    for k in range(1, SUPERVISORS_PER_AGENCY + 1):
        user = people.ensure_user(
            f"sim-pool-{agency.division_id}-{k}",
            Role.EXPERT,
            f"{agency.name}督导专家{k}（模拟）",
        )
        ExpertProfile.objects.get_or_create(
            user=user,
            defaults={
                "pool_agency": agency,
                "employer_name": f"{agency.name}某技师学院",
                "title": "高级技师",
            },
        )
        experts.append(user)
    return experts


def _pools(cases: list[Application]) -> None:
    agencies = {case.receiving_agency for case in cases}
    cities = {agency.division_id for agency in agencies}
    outside = OUTSIDE_POOL_CITY if cities != {OUTSIDE_POOL_CITY} else OUTSIDE_POOL_FALLBACK
    agencies.add(Agency.objects.get(kind=Agency.Kind.CITY, division_id=outside))
    for agency in agencies:
        _pool(agency)


def _roster(sim: Sim, case: Application, size: int, passed: int) -> list[Row]:
    county = case.institution.county_id or case.institution.city_id
    return [
        Row(
            n + 2,
            people.person_name(sim.rng),
            people.id_number(sim.rng, county),
            "合格" if n < passed else "不合格",
            f"S{sim.round.pk:03d}{case.pk:05d}{n:03d}" if n < passed else "",
        )
        for n in range(size)
    ]


def _assessment(sim: Sim, case: Application, day: date) -> AssessmentPlan:
    """A plan registered, accepted, held, reported and supervised."""
    from .stages import _staff

    owner = sim.user_of(case)
    line = ApplicationOccupation.objects.filter(application=case, status="filed").first()
    with sim.at(day):
        plan = create_plan(
            owner,
            case.institution,
            {
                "line": line,
                "starts_on": day + timedelta(days=7),
                "ends_on": day + timedelta(days=8),
                "site": f"{case.institution.name}认定考点",
                "expected_candidates": 12,
                "examiners": ["张考评", "李考评"],
            },
        )
    with sim.at(day + timedelta(days=1)):
        plan = perform(plan, "accept_plan", _staff(sim, case), seed=sim.rng.randrange(1 << 30))
    size = sim.rng.randint(8, 12)
    passed = sim.rng.randint(size // 2, size)
    with sim.at(day + timedelta(days=10)):
        plan.candidates, plan.passed, plan.certificates = size, passed, passed
        plan.save(update_fields=["candidates", "passed", "certificates"])
        replace_roster(plan, _roster(sim, case, size, passed))
        plan = perform(plan, "report_results", owner)
    with sim.at(day + timedelta(days=12)):
        return perform(
            plan,
            "file_supervision_report",
            plan.supervisor,
            on_time=True,
            procedures_followed=True,
            irregularities="",
        )


def _complaint(sim: Sim, case: Application, day: date) -> None:
    from .stages import _staff

    with sim.at(day):
        complaint = file_complaint(
            case.institution_id,
            name=people.person_name(sim.rng),
            phone="13800138000",
            email="complainant@example.cn",
            facts="认定考场秩序混乱，考评人员迟到。（模拟投诉）",
        )
    staff = _staff(sim, case)
    with sim.at(day + timedelta(days=2)):
        perform(complaint, "investigate_complaint", staff)
    with sim.at(day + timedelta(days=8)):
        perform(
            complaint,
            "dismiss_complaint",
            staff,
            reason="经调取考场监控核实，考评人员按时到场，投诉事项不成立。",
        )


def _inspections(sim: Sim, cases: list[Application], day: date) -> None:
    """A draw of every simulated organization; the first inspection finds a problem."""
    from .stages import _staff

    with sim.at(day):
        draw = create_draw(
            sim.center,
            day.year,
            100,
            sim.rng.randrange(1 << 40),
            among={case.institution_id for case in cases},
        )
        draw = perform(draw, "publish_draw", sim.center)
    by_institution = {case.institution_id: case for case in cases}
    inspections = Inspection.objects.filter(draw=draw).select_related("inspector")
    for k, inspection in enumerate(inspections.order_by("position")):
        case = by_institution[inspection.institution_id]
        with sim.at(day + timedelta(days=3)):
            if k > 0:
                perform(inspection, "record_no_findings", inspection.inspector, findings="")
                continue
            perform(
                inspection,
                "order_rectification",
                inspection.inspector,
                findings="考务档案不完整，部分考生签到表缺失。",
                rectify_by=day + timedelta(days=20),
            )
        with sim.at(day + timedelta(days=10)):
            perform(
                inspection,
                "answer_rectification",
                sim.user_of(case),
                answer="已补齐考务档案，建立考生签到表双人核对制度。",
            )
        with sim.at(day + timedelta(days=12)):
            perform(inspection, "close_inspection", _staff(sim, case))


def _sanction(sim: Sim, case: Application, kind: str, day: date) -> Sanction:
    """Drafted by the local agency, reviewed by the center, approved by the department."""
    from .stages import _staff, upload

    staff = _staff(sim, case)
    suspension = kind == Sanction.Kind.SUSPENSION
    with sim.at(day):
        sanction = create_draft(
            staff,
            case.institution,
            {
                "kind": kind,
                "line": None,
                "facts": "认定过程中考评人员未按规定回避，且未如实报告认定结果。（模拟）",
                "clause": "N-5.2",
                "evidence": f"{day:%Y年%m月%d日}现场检查记录及认定名册。",
                "starts_on": day + timedelta(days=7) if suspension else None,
                "ends_on": day + timedelta(days=97) if suspension else None,
            },
        )
        perform(sanction, "submit_sanction", staff)
    with sim.at(day + timedelta(days=2)):
        perform(sanction, "review_sanction", sim.center)
    decided = day + timedelta(days=5)
    with sim.at(decided):
        minutes = store_minutes(upload("领导小组会议纪要.pdf"), sim.department)
        return perform(
            sanction,
            "approve_sanction",
            sim.department,
            decided_on=decided,
            meeting_ref=f"领导小组{decided.year}年第{sim.rng.randint(3, 12)}次会议",
            minutes=minutes,
        )


def after_filing(sim: Sim) -> None:
    cases = filed_cases(sim)
    if not cases:
        return
    last = FilingLetter.objects.filter(application__round=sim.round).aggregate(
        last=Max("issued_on")
    )["last"]
    day = last + timedelta(days=3)
    _pools(cases)
    for case in cases[:2]:
        _assessment(sim, case, day)
    _complaint(sim, cases[0], day + timedelta(days=4))
    _inspections(sim, cases, day + timedelta(days=14))
    if len(cases) >= 2:
        _sanction(sim, cases[-1], Sanction.Kind.SUSPENSION, day + timedelta(days=30))
    if len(cases) >= 3:
        _sanction(sim, cases[-2], Sanction.Kind.REVOCATION, day + timedelta(days=30))
    sim.milestone = day + timedelta(days=35)
