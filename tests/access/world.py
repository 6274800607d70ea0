"""One seeded world for the access matrix: two cities, institutions whose cases stand at every
stage, and one user per role. Built once per module (tests/test_access_matrix.py) through the
services and the test helpers the stage tests use, so every route has an object that exists.

Institution A's cases are all received by Guangzhou (440100); "the owner" of a route is the
applicant of the institution whose case the route concerns (one institution per stage, so a
future "one open application per round" constraint cannot break the world). Institution B is
in Shenzhen (440300) with its own submitted case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import time_machine
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile

from evalorg.accounts import tokens
from evalorg.accounts.models import Agency, Role, User
from evalorg.annual.reports import report_of, save_draft
from evalorg.applications import workflow
from evalorg.applications.models import Application, ApplicationOccupation
from evalorg.complaints.complaints import file_complaint
from evalorg.core import clock
from evalorg.core.workflow import perform
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.models import (
    BankCheck,
    BankReviewAssignment,
    BankReviewSheet,
    Deliverable,
    TrainingSession,
)
from evalorg.filing.batches import Tick, create_batch, record_approval
from evalorg.filing.models import FilingLetter
from evalorg.institutions.chain_leaders import designate
from evalorg.institutions.identity import identity_of, request_change
from evalorg.institutions.models import Institution
from evalorg.notify.models import Message
from evalorg.renewal.renewals import create_renewal
from evalorg.review.conflicts import declare
from evalorg.review.decisions import send_batch
from evalorg.review.models import Assignment, ExpertProfile, Panel, PanelMember, Scoresheet
from evalorg.review.services import ranked
from evalorg.sanctions.sanctions import create_draft
from evalorg.selection import defense
from evalorg.selection.models import DefenseSlot, LeadershipApproval
from evalorg.supervision.findings import add_finding
from evalorg.supervision.inspections import create_draw
from evalorg.supervision.plans import create_plan
from tests.applications.conftest import PDF_BYTES, SH, applicant_of, build_application, stored_pdf
from tests.cultivation.conftest import (
    FINDINGS,
    cultivating,
    ready_deliverables,
    theory_with_a_problem,
)
from tests.factories import (
    ApplicantFactory,
    CityStaffFactory,
    InstitutionFactory,
    UserFactory,
    city_agency,
)
from tests.filing.conftest import issued, passed
from tests.publicity.conftest import BEFORE_START, approved, draft_notice, objection, published
from tests.review.conftest import ITEM_CODES, verified

# Roles of the matrix (brief: issue 11).
ANON = "anonymous"
OWNER = "applicant A"  # the applicant of the institution whose case the route concerns
OTHER_APPLICANT = "applicant B"  # an institution in another city
CITY = "city staff"  # the city agency that received the case (Guangzhou)
OTHER_CITY = "other city staff"  # Shenzhen
PROVINCE = "province staff"
DEPARTMENT = "department"
EXPERT = "assigned expert"  # sits on the case's panel and is assigned the case
OTHER_EXPERT = "unassigned expert"  # an expert of another panel
ADMIN = "admin"
ROLES = (
    ANON,
    OWNER,
    OTHER_APPLICANT,
    CITY,
    OTHER_CITY,
    PROVINCE,
    DEPARTMENT,
    EXPERT,
    OTHER_EXPERT,
    ADMIN,
)

SENT_ON = datetime(2023, 5, 24, 10, 0, tzinfo=SH)
DEFENSE_DAY = date(2023, 6, 10)


def _pdf(name: str = "文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    cases: dict[str, Application] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def case(self, stage: str) -> Application:
        return self.cases[stage]

    def pk(self, name: str) -> int:
        return self.objects[name].pk

    def owner(self, stage: str) -> User:
        if stage == "fresh":  # an institution without any application yet
            return self.objects["fresh_applicant"]
        return applicant_of(self.cases[stage])

    def user(self, role: str, stage: str) -> User | None:
        return self.owner(stage) if role == OWNER else self.users[role]


def _institution_a(n: int) -> Institution:
    return InstitutionFactory(name=f"甲方机构{n}有限公司", legal_rep_name="张 三")


def build_world() -> World:
    w = World()
    gz, sz = city_agency("440100"), city_agency("440300")
    province = Agency.objects.get(kind="province")
    w.users = {
        ANON: None,
        CITY: CityStaffFactory(agency=gz),
        OTHER_CITY: CityStaffFactory(agency=sz),
        PROVINCE: UserFactory(role=Role.PROVINCE_STAFF, agency=province),
        DEPARTMENT: UserFactory(role=Role.DEPARTMENT, agency=Agency.objects.get(kind="department")),
        EXPERT: UserFactory(role=Role.EXPERT),
        OTHER_EXPERT: UserFactory(role=Role.EXPERT),
        ADMIN: UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
    }
    b = InstitutionFactory(name="乙方深圳机构有限公司", city_id="440300", county_id="440304")
    w.users[OTHER_APPLICANT] = ApplicantFactory(institution=b)
    _review_cases(w, b)
    _province_cases(w)
    _publicity_cases(w)
    _cultivation_cases(w)
    _filing_cases(w)
    _other_objects(w)
    return w


def _review_cases(w: World, b: Institution) -> None:
    """draft (wizard), verified and assigned (the expert scores), assessed (the city decides)."""
    staff, expert = w.users[CITY], w.users[EXPERT]
    w.cases["draft"] = build_application(_institution_a(1))
    evidence = w.cases["draft"].institution.declarations.first()
    evidence.evidence = stored_pdf("证明材料.pdf")
    evidence.save(update_fields=["evidence"])
    round_ = w.cases["draft"].round
    panel = Panel.objects.create(
        agency=staff.agency, round=round_, stage="city_assessment", name="广州评审组"
    )
    others = [UserFactory(role=Role.EXPERT) for _ in range(2)]
    for member in (expert, *others):
        PanelMember.objects.create(panel=panel, expert=member)
    w.objects["panel"] = panel
    w.objects["free_expert"] = UserFactory(role=Role.EXPERT, full_name="待加入专家")
    # The unassigned expert sits on Shenzhen's panel: an expert, just not of this case.
    sz_panel = Panel.objects.create(
        agency=w.users[OTHER_CITY].agency, round=round_, stage="city_assessment", name="深圳评审组"
    )
    PanelMember.objects.create(panel=sz_panel, expert=w.users[OTHER_EXPERT])
    w.objects["other_panel"] = sz_panel

    case = verified(staff, _institution_a(2))
    declaration = case.institution.declarations.first()
    declaration.evidence = stored_pdf("证明材料.pdf")
    declaration.save(update_fields=["evidence"])
    w.objects["assignment"] = Assignment.objects.create(panel=panel, application=case)
    declare(panel, case, expert, "none")
    w.cases["review"] = case
    w.objects["unassigned"] = verified(staff, _institution_a(3))  # assignable to the panel

    assessed = _scored(w, verified(staff, _institution_a(4)))
    w.cases["scored"] = assessed
    w.objects["sheet"] = Scoresheet.objects.get(application=assessed, expert=expert)
    w.cases["assessed"] = _scored(w, verified(staff, _institution_a(14)))
    w.cases["assessed"] = workflow.perform(w.cases["assessed"], "score_complete", staff)
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        w.cases["other_city"] = workflow.perform(
            build_application(b), "submit", w.users[OTHER_APPLICANT]
        )


def _scored(w: World, case: Application) -> Application:
    """Assigned to the Guangzhou panel, every member declared no conflict and submitted."""
    panel = w.objects["panel"]
    members = list(panel.members.exclude(expert__full_name="备用专家"))
    assignment = Assignment.objects.create(panel=panel, application=case)
    assignment.experts.set([m.expert for m in members])
    for member in members:
        declare(panel, case, member.expert, "none")
        Scoresheet.objects.create(
            panel=panel,
            application=case,
            expert=member.expert,
            status="submitted",
            scores=dict.fromkeys(ITEM_CODES, 9),
            opinion="recommend",
        )
    return case


def _province_cases(w: World) -> None:
    """A case the city recommended and sent: the center's selection and a defense slot."""
    staff = w.users[CITY]
    case = _scored(w, verified(staff, _institution_a(5)))
    case = workflow.perform(case, "score_complete", staff)
    row = next(r for r in ranked(staff.agency, case.round) if r.application.pk == case.pk)
    case = workflow.perform(
        case, "recommend", staff, reason="推荐", rank=row.rank, total=row.aggregate.total
    )
    with time_machine.travel(SENT_ON, tick=False):
        send_batch([case], staff)
    case.refresh_from_db()
    w.cases["province"] = case
    center = w.users[PROVINCE]
    with time_machine.travel(datetime(2023, 6, 1, 9, tzinfo=SH), tick=False):
        session = defense.create_session(
            case.round, center, day=DEFENSE_DAY, start_time=time(9, 0), place="省中心301室"
        )
        defense.add_cases(session, [case.pk], center)
        _province_scores(session.panel, case)
        w.objects["other_session"] = defense.create_session(
            case.round, center, day=DEFENSE_DAY, start_time=time(14, 0), place="省中心302室"
        )
    w.objects["session"] = session
    # A member without assignments or sheets, whom the city may remove.
    w.objects["spare_member"] = UserFactory(role=Role.EXPERT, full_name="备用专家")
    PanelMember.objects.create(panel=w.objects["panel"], expert=w.objects["spare_member"])
    w.objects["slot"] = DefenseSlot.objects.get(session=session, application=case)


def _province_scores(panel: Panel, case: Application) -> None:
    """Three provincial experts scored the case (the center's select needs them)."""
    Assignment.objects.create(panel=panel, application=case)
    for _ in range(3):
        expert = UserFactory(role=Role.EXPERT)
        PanelMember.objects.create(panel=panel, expert=expert)
        declare(panel, case, expert, "none")
        Scoresheet.objects.create(
            panel=panel,
            application=case,
            expert=expert,
            status="submitted",
            scores=dict.fromkeys(ITEM_CODES, 9),
            opinion="recommend",
        )


def _publicity_cases(w: World) -> None:
    """A published notice with an objection (case in publicity), a draft notice, and the
    leadership group's decision with its minutes."""
    center = w.users[PROVINCE]
    in_notice = approved(_institution_a(6))
    w.objects["decision"] = LeadershipApproval.objects.get(entries__application=in_notice)
    notice = published([in_notice], center)
    w.objects["notice"] = notice
    w.objects["objection"] = objection(notice, in_notice, evidence=_pdf("证据.pdf"))
    w.cases["publicity"] = Application.objects.get(pk=in_notice.pk)
    draft_case = approved(_institution_a(7))
    with time_machine.travel(BEFORE_START, tick=False):
        w.objects["draft_notice"] = draft_notice([draft_case], center)
    w.cases["approved"] = draft_case


def _cultivation_cases(w: World) -> None:
    """In cultivation: one with its commitment letter signed and a question bank submitted, one
    not yet signed."""
    case = cultivating(_institution_a(8))
    sign(case, applicant_of(case), "张三", "203.0.113.9")
    line = case.occupations.first()
    ready_deliverables(line)
    ApplicationOccupation.objects.filter(pk=line.pk).update(
        status=ApplicationOccupation.Status.BANK_SUBMITTED
    )
    w.objects["line"] = ApplicationOccupation.objects.get(pk=line.pk)
    w.objects["deliverable"] = Deliverable.objects.filter(line=line).first()
    w.objects["bank_check"] = BankCheck.objects.create(
        deliverable=w.objects["deliverable"], created_at=datetime(2025, 5, 6, 10, tzinfo=SH)
    )
    Deliverable.objects.filter(pk=w.pk("deliverable")).update(
        file=stored_pdf("技能试题.pdf"), attachment=stored_pdf("技能试题扫描件.pdf")
    )
    w.objects["theory"] = theory_with_a_problem(line)  # a workbook with its report (issue 20)
    w.cases["cultivation"] = case
    _bank_reviews(w, w.objects["line"])
    w.cases["unsigned"] = cultivating(_institution_a(9))
    staff = w.users[CITY]
    w.objects["training"] = TrainingSession.objects.create(
        organiser=staff.agency,
        held_on=date(2025, 4, 10),
        topic="考务",
        place="广州",
        created_by=staff,
    )


def _filing_cases(w: World) -> None:
    """A filed organization with its letter (through an approved batch); a case waiting for a
    batch; an approved and a proposed acceptance batch."""
    center = w.users[PROVINCE]
    filed = passed(_institution_a(10))
    w.objects["letter"] = issued(filed, center)
    w.cases["filed"] = Application.objects.get(pk=filed.pk)
    ready = passed(_institution_a(11))
    Application.objects.filter(pk=ready.pk).update(receiving_agency=center.agency)
    w.cases["passed"] = Application.objects.get(pk=ready.pk)
    in_batch = passed(_institution_a(12))
    to_approve = passed(_institution_a(13))
    with time_machine.travel(datetime(2023, 11, 20, 10, tzinfo=SH), tick=False):
        approved_batch = create_batch(in_batch.round, "2023年第一批验收", [in_batch], center)
        record_approval(
            approved_batch,
            [Tick(in_batch.pk, True)],
            decided_on=date(2023, 11, 20),
            meeting_ref="厅党组会议2023年第12次",
            minutes=_pdf("纪要.pdf"),
            user=w.users[DEPARTMENT],
        )
        w.objects["batch"] = create_batch(
            to_approve.round, "2023年第二批验收", [to_approve], center
        )
    w.objects["approved_batch"] = approved_batch
    w.cases["batch"] = Application.objects.get(pk=to_approve.pk)
    _assessment_plans(w)
    _sanctions(w)
    _complaints(w)
    _inspection_draws(w)
    _annual_reports(w)
    _renewals(w)


def _assessment_plans(w: World) -> None:
    """Assessment plans of the filed organization (issue 25, N-5.2): one submitted, one
    accepted whose drawn supervisor is the assigned expert (the only one in Guangzhou's pool)."""
    ExpertProfile.objects.update_or_create(
        user=w.users[EXPERT], defaults={"pool_agency": w.users[CITY].agency}
    )
    filed = w.case("filed")
    line = filed.occupations.order_by("level").first()
    data = {
        "line": line,
        "site": "广州市考点",
        "expected_candidates": 20,
        "examiners": ["李考评"],
    }
    with time_machine.travel(datetime(2023, 12, 5, 10, tzinfo=SH), tick=False):
        owner = applicant_of(filed)
        first = create_plan(
            owner,
            filed.institution,
            data | {"starts_on": date(2023, 12, 20), "ends_on": date(2023, 12, 21)},
        )
        w.objects["plan"] = perform(first, "accept_plan", w.users[CITY], seed=1)
        w.objects["submitted_plan"] = create_plan(
            owner,
            filed.institution,
            data | {"starts_on": date(2024, 2, 1), "ends_on": date(2024, 2, 2)},
        )


def _sanctions(w: World) -> None:
    """Sanctions of the filed organization by its city (Guangzhou; issue 25 item 4, N-5.2): a
    suspension in draft, one awaiting the leadership group, and an effective warning with its
    evidence (a warning changes no status, so the assessment plan routes are unaffected)."""
    city, center = w.users[CITY], w.users[PROVINCE]
    filed = w.case("filed").institution

    def draft(kind: str, **more):
        data = {
            "kind": kind,
            "line": None,
            "facts": "认定考务不规范",
            "clause": "N-5.2",
            "evidence": "检查记录",
            "starts_on": date(2024, 3, 1) if kind == "suspension" else None,
            "ends_on": date(2024, 5, 31) if kind == "suspension" else None,
        }
        return create_draft(city, filed, data | more)

    with time_machine.travel(datetime(2024, 3, 1, 10, tzinfo=SH), tick=False):
        w.objects["sanction_draft"] = draft("suspension")
        pending = draft("suspension")
        perform(pending, "submit_sanction", city)
        w.objects["sanction_pending"] = perform(pending, "review_sanction", center)
        warning = draft("warning", evidence_file=stored_pdf("证据.pdf"))
        w.objects["sanction_warning"] = perform(warning, "issue_warning", city)


def _complaints(w: World) -> None:
    """A complaint about the filed organization, with evidence, received by its local agency
    (Guangzhou; issue 25 item 3, N-5.2)."""
    with time_machine.travel(datetime(2024, 3, 1, 10, tzinfo=SH), tick=False):
        w.objects["complaint"] = file_complaint(
            w.case("filed").institution_id,
            name="赵投诉",
            phone="13912345678",
            email="complainant@example.org",
            facts="考评人员未按规定回避。",
            evidence=SimpleUploadedFile("证据.pdf", PDF_BYTES),
        )


def _inspection_draws(w: World) -> None:
    """Random inspection draws by the center (issue 25 item 2, N-5.2): one draft and one
    published, of every filed organization (Guangzhou's). The inspector pool is the agencies'
    pools: the assigned expert (Guangzhou's pool) is never drawn for a Guangzhou organization,
    so the unassigned expert, put in Shenzhen's pool, inspects."""
    center = w.users[PROVINCE]
    ExpertProfile.objects.update_or_create(
        user=w.users[OTHER_EXPERT], defaults={"pool_agency": w.users[OTHER_CITY].agency}
    )
    with time_machine.travel(datetime(2024, 3, 1, 10, tzinfo=SH), tick=False):
        w.objects["draft_draw"] = create_draw(center, 2024, 100, seed=1)
        published = create_draw(center, 2024, 100, seed=2)
        w.objects["published_draw"] = perform(published, "publish_draw", center)
        # The filed organization's inspection, with one finding and its evidence (OTHER_EXPERT
        # inspects; OWNER of the "filed" stage is the organization).
        inspection = published.inspections.get(institution=w.case("filed").institution)
        finding = add_finding(
            inspection, w.users[OTHER_EXPERT], "examiners", "考评人员未持证上岗", _pdf("证据.pdf")
        )
    w.objects["inspection"] = inspection
    w.objects["inspection_file"] = finding.evidence


def _annual_reports(w: World) -> None:
    """The filed organization's 2023 annual report, submitted to its local agency (Guangzhou;
    issue 25 item 7, N-5.2)."""
    filed, owner = w.case("filed"), w.owner("filed")
    fields = {"quality_measures": "严格执行考评人员回避制度，每次认定均安排内部督导。"}
    with time_machine.travel(datetime(2024, 2, 1, 10, tzinfo=SH), tick=False):
        draft = save_draft(
            owner, report_of(filed.institution, 2023), fields | {"examiners_on_staff": 4}
        )
        w.objects["annual_report"] = perform(draft, "submit_annual_report", owner)


def _renewals(w: World) -> None:
    """The filed organization's renewal (issue 25 item 6, N-5.2), returned by its local agency
    (Guangzhou) for changes: the organization may resubmit it, and, no renewal waiting, the
    agency may urge it. Its filing ends 60 days after the real today (a clock moved years
    ahead would expire the matrix's sessions): inside both the renewal and the urging windows."""
    filed = w.case("filed").institution
    until = clock.today() + timedelta(days=60)
    FilingLetter.objects.filter(application__institution=filed).update(valid_until=until)
    renewal = create_renewal(w.owner("filed"), filed, "申请延续")
    w.objects["renewal"] = perform(renewal, "return_renewal", w.users[CITY], reason="请补充")


def _other_objects(w: World) -> None:
    w.objects["captcha"] = CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key())
    new = tokens.create(w.users[CITY], name="矩阵测试", scope="read", days=30)
    w.objects["api_token"] = new.token
    w.objects["fresh_applicant"] = ApplicantFactory(
        institution=InstitutionFactory(name="甲方新注册机构有限公司")
    )
    chain = InstitutionFactory(name="甲方链主企业有限公司")
    w.objects["designation"] = designate(
        chain,
        industry_chain="新能源汽车产业链",
        designated_on=date(2023, 4, 1),
        document=_pdf("认定文件.pdf"),
        user=w.users[DEPARTMENT],
    )
    passed_institution = w.case("passed").institution
    w.objects["identity_change"] = request_change(
        passed_institution,
        w.owner("passed"),
        after=identity_of(passed_institution) | {"name": "甲方更名后机构有限公司"},
        explanation="经登记机关核准更名。",
        evidence=_pdf("核准变更通知书.pdf"),
    )
    for stage in w.cases:
        if stage != "other_city":
            Message.objects.create(
                recipient=w.owner(stage), subject=f"{w.case(stage).institution.name}：通知", url="/"
            )
    w.objects["message"] = Message.objects.filter(recipient=w.owner("review")).first()
    for user in w.users.values():
        if user is not None:
            Message.objects.create(recipient=user, subject="矩阵检查：未读消息", url="/")


def _bank_reviews(w: World, line: ApplicationOccupation) -> None:
    """The submitted line's expert review (issue 20 item 4): two sheets submitted, so the
    center may decide; the assigned expert's own sheet filled in, not yet submitted; a free
    expert the center may still assign."""
    center, now = w.users[PROVINCE], datetime(2025, 5, 5, 10, tzinfo=SH)
    reviewers = [(UserFactory(role=Role.EXPERT), "submitted") for _ in range(2)]
    for expert, status in [*reviewers, (w.users[EXPERT], "assigned")]:
        assignment = BankReviewAssignment.objects.create(
            line=line,
            expert=expert,
            review_round=0,
            status=status,
            assigned_by=center,
            assigned_at=now,
            submitted_at=now if status == "submitted" else None,
        )
        BankReviewSheet.objects.create(
            assignment=assignment, recommendation="pass", updated_at=now, **FINDINGS
        )
    w.objects["bank_review"] = assignment
    w.objects["bank_free_expert"] = UserFactory(role=Role.EXPERT, full_name="题库评审专家")
