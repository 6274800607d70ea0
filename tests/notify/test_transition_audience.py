"""Every party told (issue 19 item 4; SPEC §5 "queues the notifications").

Every transition of every workflow declares who is told (``Transition.tell``: ``Tell``s, or
``Nobody`` with the reason), and each declared party resolves for its model. A representative
set of transitions is then driven through ``perform()`` end to end (the city's path with a
revised decision, the province's with defense slots, publicity and an objection, cultivation
with a failed and a passed question bank, acceptance and filing): every declared party got its
message on its declared channel (in-app rows, outbox e-mails), the expected parties are among
the declared ones, and no applicant-facing message names an expert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application
from evalorg.core import workflow as engine
from evalorg.core.workflow import Nobody, Notice, Party, Transition, Workflow, perform, workflows
from evalorg.cultivation.commitment import sign
from evalorg.filing.batches import issue_letters
from evalorg.notify.models import Message, OutboundEmail
from evalorg.review.decisions import send_batch
from evalorg.review.models import Assignment, PanelMember, Scoresheet
from evalorg.review.services import selection_panel
from evalorg.rounds.models import Round
from evalorg.selection import defense
from evalorg.selection.transitions import Proposal, record_leadership_decision
from tests.applications.conftest import PDF_BYTES, SH, applicant_of, build_application
from tests.cultivation.conftest import cultivating, ready_deliverables, reviewed
from tests.factories import CityStaffFactory, UserFactory
from tests.filing.conftest import approved_batch, department_staff, province_staff
from tests.publicity.conftest import AFTER, DURING, objection, published
from tests.review.conftest import ITEM_CODES, panel_with_experts, pass_checklist, score
from tests.selection.test_defense import new_session, sent_cases

pytestmark = pytest.mark.django_db

A, AGENCY, CENTER, DEPT, EXPERTS, OBJECTOR = (
    Party.APPLICANT,
    Party.RECEIVING_AGENCY,
    Party.PROVINCE,
    Party.DEPARTMENT,
    Party.EXPERTS,
    Party.OBJECTOR,
)

# Who must be told of the representative transitions (workflow, action): at least these.
EXPECTED: dict[tuple[str, str], set[Party]] = {
    ("case", "submit"): {A, AGENCY},
    ("case", "return_for_correction"): {A},
    ("case", "resubmit"): {A, AGENCY},
    ("occupation_line", "exclude"): {A},
    ("case", "verify"): {A},
    ("scoresheet", "reopen_scoresheet"): {EXPERTS},
    ("case", "not_recommend"): {A},
    ("case", "recommend"): {A},
    ("case", "send_to_province"): {A},
    ("defense_slot", "request_reschedule"): {CENTER},
    ("defense_slot", "move_defense"): {A},
    ("case", "select"): {A},
    ("case", "reject"): {A},
    ("leadership_approval", "approve"): {CENTER},
    ("case", "approve"): {A},
    ("case", "publish"): {A},
    ("objection", "dismiss"): {OBJECTOR},
    ("case", "end_publicity"): {A},
    ("occupation_line", "submit_bank"): {CENTER},
    ("occupation_line", "fail_bank"): {A},
    ("occupation_line", "pass_bank"): {A},
    ("case", "accept"): {A},
    ("case", "file_case"): {A},
}


# ---- every transition declares its audience ---------------------------------------------------


def every_transition() -> list[tuple[Workflow, Transition]]:
    return [(w, t) for w in workflows() for t in w.table.values()]


def test_every_transition_of_every_workflow_declares_who_is_told():
    assert len(every_transition()) > 40  # every stage's workflows are registered
    undeclared = [f"{w.name}.{t.action}" for w, t in every_transition() if t.tell is None]
    assert undeclared == [], "declare tell=(Tell(...),) or tell=Nobody(why)"
    for w, t in every_transition():
        if isinstance(t.tell, Nobody):
            assert len(t.tell.why) > 20, f"{w.name}.{t.action}: say why nobody is told"
        else:
            assert t.tell, f"{w.name}.{t.action}: an empty tell is Nobody(why)"
            for declared in t.tell:
                assert declared.party in w.parties, f"{w.name}.{t.action}: {declared.party}?"
                assert str(declared.subject).strip()


def test_the_expected_audiences_are_declared():
    tables = {w.name: w.table for w in workflows()}
    for (name, action), parties in EXPECTED.items():
        declared = tables[name][action].tell
        assert isinstance(declared, tuple), f"{name}.{action} tells nobody"
        assert parties <= {d.party for d in declared}, f"{name}.{action}"


# ---- driven end to end ------------------------------------------------------------------------


@dataclass
class Event:
    workflow: Workflow
    transition: Transition
    obj: Any
    data: dict[str, Any]
    made: list[Notice]

    @property
    def key(self) -> tuple[str, str]:
        return (self.workflow.name, self.transition.action)


@pytest.fixture
def told(monkeypatch) -> list[Event]:
    """Every event ``perform()`` tells of, with the notices it made."""
    events: list[Event] = []
    original = engine.notices

    def spy(workflow, transition, obj, data):
        made = original(workflow, transition, obj, data)
        events.append(Event(workflow, transition, obj, dict(data), made))
        return made

    monkeypatch.setattr(engine, "notices", spy)
    return events


def _delivered(notice: Notice) -> None:
    for user in notice.users:
        assert Message.objects.filter(recipient=user, subject=notice.subject).exists(), (
            f"{notice.subject} not in {user}'s messages"
        )
    if notice.emails:
        sent = [set(e.to) for e in OutboundEmail.objects.filter(subject=notice.subject)]
        assert any(set(notice.emails) <= to for to in sent), f"{notice.subject} not e-mailed"


def check_told(events: list[Event], covered: list[tuple[str, str]]) -> None:
    """Each declared party of each event got the message on its channel, and every account
    and address the party resolves to was told (in this notice or, once, an earlier one of the
    same event); the ``covered`` transitions happened and told at least ``EXPECTED``."""
    for event in events:
        declared = event.transition.tell
        assert declared is not None, f"{event.key} has no declaration"
        if isinstance(declared, Nobody):
            assert event.made == [], f"{event.key} declares nobody but told"
            continue
        users: set[int] = set()
        emails: set[str] = set()
        for tell in declared:
            if tell.when is not None and not tell.when(event.obj, event.data):
                continue
            recipients = event.workflow.parties[tell.party](event.obj)
            wanted_users = {u.pk for u in recipients.users} if tell.channel.in_app else set()
            wanted_emails = {e for e in recipients.emails if e} if tell.channel.email else set()
            assert wanted_users or wanted_emails, f"{event.key}: {tell.party} is nobody here"
            notice = next((n for n in event.made if n.party == tell.party), None)
            if notice is not None:
                assert notice.channel == tell.channel
                _delivered(notice)
                users |= {u.pk for u in notice.users}
                emails |= set(notice.emails)
            assert wanted_users <= users and wanted_emails <= emails, (
                f"{event.key}: {tell.party} not told on {tell.channel}"
            )
    for key in covered:
        happened = [e for e in events if e.key == key]
        assert happened, f"{key} was not driven"
        parties = {n.party for e in happened for n in e.made}
        assert EXPECTED[key] <= parties, f"{key} told {parties}, not {EXPECTED[key]}"


def applicant_texts() -> list[str]:
    applicant_emails = {
        address
        for application in Application.objects.select_related("institution")
        for address in [application.institution.contact_email]
    } | set(User.objects.filter(role=Role.APPLICANT).values_list("email", flat=True))
    texts = [
        f"{m.subject}\n{m.body}" for m in Message.objects.filter(recipient__role=Role.APPLICANT)
    ]
    texts += [
        f"{m.subject}\n{m.body}"
        for m in OutboundEmail.objects.all()
        if applicant_emails & set(m.to)
    ]
    return texts


def check_no_expert_named() -> None:
    experts = list(User.objects.filter(role=Role.EXPERT))
    assert experts
    texts = applicant_texts()
    assert texts
    for expert in experts:
        for name in (expert.username, expert.full_name):
            named = [t for t in texts if name and name in t]
            assert named == [], f"an applicant-facing message names expert {name!r}"


def _name_experts() -> None:
    """Experts with names of their own (not a prefix of another account's)."""
    for expert in User.objects.filter(role=Role.EXPERT):
        User.objects.filter(pk=expert.pk).update(
            username=f"expert-x{expert.pk}-", full_name=f"专家{expert.pk}号甲"
        )


def test_the_city_path_with_a_revised_decision(told):
    staff = CityStaffFactory(email="gz-staff@example.org")
    case = build_application(occupations=(("6-18-02-04", [5, 4]),))
    applicant = applicant_of(case)
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        case = perform(case, "submit", applicant)
        four = case.occupations.get(level=4)
        perform(four, "exclude", staff, reason="四级不在本机构评价能力范围内")
        case = perform(case, "return_for_correction", staff, reason="请补充场地证明")
    with time_machine.travel(datetime(2023, 5, 12, 10, 0, tzinfo=SH), tick=False):
        case = perform(case, "resubmit", applicant)
        pass_checklist(case, staff)
        case = perform(case, "verify", staff)
        panel, experts = panel_with_experts(staff)
        _name_experts()
        experts = [User.objects.get(pk=e.pk) for e in experts]
        score(panel, case, experts, [8, 8, 8])
        sheet = Scoresheet.objects.get(application=case, expert=experts[0])
        sheet = perform(sheet, "reopen_scoresheet", staff, reason="请补充总体意见的说明")
        perform(sheet, "submit_scoresheet", experts[0])
        case = perform(case, "score_complete", staff)
        case = perform(case, "not_recommend", staff, reason="评价场地不足")
    with time_machine.travel(datetime(2023, 5, 24, 10, 0, tzinfo=SH), tick=False):
        case = perform(case, "revise_decision", staff, reason="复核：场地已补充")
        case = perform(case, "recommend", staff, reason="复核后推荐")
        send_batch([case], staff)

    check_told(
        told,
        [
            ("case", "submit"),
            ("occupation_line", "exclude"),
            ("case", "return_for_correction"),
            ("case", "resubmit"),
            ("case", "verify"),
            ("scoresheet", "reopen_scoresheet"),
            ("case", "not_recommend"),
            ("case", "recommend"),
            ("case", "send_to_province"),
        ],
    )
    check_no_expert_named()
    # The revised decision reached the applicant after the first one, marked as revised
    # (issue 19: its last message stayed 备案申请未获推荐).
    subjects = list(
        Message.objects.filter(recipient=applicant).order_by("pk").values_list("subject", flat=True)
    )
    first = next(i for i, s in enumerate(subjects) if "未获推荐" in s)
    revised = next(i for i, s in enumerate(subjects) if "已获推荐" in s)
    assert first < revised and "修改后" in subjects[revised]
    assert "报送省级评审" in subjects[-1]
    excluded = Message.objects.get(recipient=applicant, subject__contains="已排除")
    assert "焊工" in excluded.subject and "四级" in excluded.subject
    assert "四级不在本机构评价能力范围内" in excluded.body
    # Told once per event: the staff member is both the receiving agency and the reader.
    assert Message.objects.filter(recipient=staff, subject__startswith="新的备案申请").count() == 2


def province_scores(cases: list[Application], center: User, points: list[int]) -> None:
    """The selection panel (the defense sessions' own) scores the cases."""
    panel = selection_panel(cases[0].round, center)
    experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    for case, p in zip(cases, points, strict=True):
        Assignment.objects.create(panel=panel, application=case)
        for expert in experts:
            Scoresheet.objects.create(
                panel=panel,
                application=case,
                expert=expert,
                status="submitted",
                scores=dict.fromkeys(ITEM_CODES, p),
            )


def test_the_province_path_defense_publicity_and_an_objection(told):
    center = province_staff()
    city_staff = CityStaffFactory()
    chosen, other = sent_cases((city_staff, panel_with_experts(city_staff)), 2)
    round_ = Round.objects.get(code="gd-2023")
    first = new_session(round_, center)
    slots = defense.add_cases(first, [chosen.pk, other.pk], center)
    with time_machine.travel(datetime(2023, 6, 1, 9, 0, tzinfo=SH), tick=False):
        defense.respond(slots[0], applicant_of(chosen), confirm=False, reason="当天另有评审任务")
        later = defense.create_session(
            round_, center, day=date(2023, 6, 12), start_time=time(9, 0), place="301室"
        )
        defense.transfer(defense.DefenseSlot.objects.get(pk=slots[0].pk), later, center)
    province_scores([chosen, other], center, [9, 6])
    _name_experts()
    with time_machine.travel(datetime(2023, 6, 15, 10, 0, tzinfo=SH), tick=False):
        chosen = perform(chosen, "select", center, reason="综合实力强")
        perform(other, "reject", center, reason="行业权威性不足")
    with time_machine.travel(datetime(2023, 6, 20, 10, 0, tzinfo=SH), tick=False):
        record_leadership_decision(
            round_,
            [Proposal(chosen, True)],
            decided_on=date(2023, 6, 20),
            meeting_ref="遴选工作领导小组2023年第3次会议",
            minutes=SimpleUploadedFile("纪要.pdf", PDF_BYTES, content_type="application/pdf"),
            note="",
            user=department_staff(),
        )
    chosen.refresh_from_db()
    notice = published([chosen], center)
    filed = objection(notice, chosen)
    with time_machine.travel(DURING, tick=False):
        filed = perform(filed, "investigate", center)
        perform(filed, "dismiss", center, reason="经核实，反映情况与事实不符")
    with time_machine.travel(AFTER, tick=False):
        chosen.refresh_from_db()
        perform(chosen, "end_publicity", center)

    check_told(
        told,
        [
            ("defense_slot", "request_reschedule"),
            ("defense_slot", "move_defense"),
            ("case", "select"),
            ("case", "reject"),
            ("leadership_approval", "approve"),
            ("case", "approve"),
            ("case", "publish"),
            ("objection", "dismiss"),
            ("case", "end_publicity"),
        ],
    )
    check_no_expert_named()
    applicant = applicant_of(chosen)
    moved = Message.objects.get(recipient=applicant, subject="现场答辩时间调整通知")
    assert "2023年06月12日" in moved.body and "301室" in moved.body
    rejected = Message.objects.get(recipient=applicant_of(other), subject__contains="未通过")
    assert "行业权威性不足" in rejected.body
    answer = OutboundEmail.objects.get(to=["objector@example.org"])
    assert "异议不成立" in answer.body and "与事实不符" in answer.body


def test_cultivation_bank_review_acceptance_and_filing(told):
    center = province_staff()
    case = cultivating()
    applicant = applicant_of(case)
    line = case.occupations.get(level=5)
    in_period = datetime(2025, 4, 1, 10, 0, tzinfo=SH)
    with time_machine.travel(in_period, tick=False):
        sign(case, applicant, "张三", None)
        ready_deliverables(line)
        line = perform(line, "submit_bank", applicant)
        reviewed(line, staff=center)
        line = perform(line, "fail_bank", center, reason="理论知识试题重复率过高")
        line = perform(line, "submit_bank", applicant)
        reviewed(line, staff=center)
        perform(line, "pass_bank", center, reason="结构合理，可以使用")
    UserFactory(role=Role.EXPERT)  # none took part: the check still runs against one
    when = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
    department = department_staff()
    batch = approved_batch(case, center=center, department=department, when=when)
    with time_machine.travel(when, tick=False):
        issue_letters(batch, center)

    check_told(
        told,
        [
            ("occupation_line", "submit_bank"),
            ("occupation_line", "fail_bank"),
            ("occupation_line", "pass_bank"),
            ("leadership_approval", "approve"),
            ("case", "accept"),
            ("case", "file_case"),
        ],
    )
    check_no_expert_named()
    failed = Message.objects.get(recipient=applicant, subject__contains="题库审核未通过")
    assert "焊工" in failed.subject and "五级" in failed.subject
    assert "理论知识试题重复率过高" in failed.body
    assert OutboundEmail.objects.filter(subject=failed.subject).exists()
    passed = Message.objects.get(recipient=applicant, subject__contains="题库审核通过")
    assert "结构合理" in passed.body
    # A batch is created, not moved: the department is told all the same (engine.announce).
    proposed = Message.objects.get(recipient=department, subject__startswith="验收批次待")
    assert "1 个机构" in proposed.body and "N-4.3" in proposed.body
    waiting = Message.objects.filter(recipient=center, subject__startswith="题库待审核")
    assert waiting.count() == 2  # submitted twice: told twice, once each


def test_an_undelivered_declaration_is_caught(told, monkeypatch):
    """The check fails when a declared party got nothing (a resolver finding no one)."""
    staff = CityStaffFactory()
    case = build_application()
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        perform(case, "submit", applicant_of(case))
    Message.objects.filter(recipient=staff).delete()
    with pytest.raises(AssertionError, match="not in"):
        check_told(told, [("case", "submit")])


def test_one_event_tells_an_account_once_and_a_rollback_tells_no_one(
    told, monkeypatch, django_capture_on_commit_callbacks
):
    """A ministry branch's case is received by the provincial center: its staff are both the
    receiving agency and the province, and one event tells them once. A transition refused
    midway (a batch with a withdrawn case) leaves no message and no e-mail."""
    from dataclasses import replace

    from evalorg.applications.workflow import CASES
    from evalorg.core.workflow import BatchRefused, Channel, Tell
    from evalorg.institutions.models import Level
    from tests.factories import InstitutionFactory

    center = province_staff()
    case = build_application(InstitutionFactory(level=Level.MINISTRY_BRANCH))
    both = (
        Tell(AGENCY, "收到：%(institution)s", channel=Channel.IN_APP),
        Tell(CENTER, "省中心：%(institution)s", channel=Channel.IN_APP),
    )
    monkeypatch.setitem(CASES.table, "submit", replace(CASES.table["submit"], tell=both))
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SH), tick=False):
        perform(case, "submit", applicant_of(case))
    assert case.institution.name in Message.objects.get(recipient=center).subject
    check_told(told, [])

    staff = CityStaffFactory()
    panel = panel_with_experts(staff)
    sent, withdrawn = (
        perform(
            assessed_case(staff, panel),
            "recommend",
            staff,
            reason="优",
        )
        for _ in range(2)
    )
    perform(withdrawn, "withdraw", applicant_of(withdrawn), reason="暂不申请")
    messages, emails = Message.objects.count(), OutboundEmail.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        time_machine.travel(datetime(2023, 5, 24, 10, 0, tzinfo=SH), tick=False),
        pytest.raises(BatchRefused),
    ):
        send_batch([sent, withdrawn], staff)
    assert (Message.objects.count(), OutboundEmail.objects.count()) == (messages, emails)
    assert callbacks == []  # no delivery enqueued either


def assessed_case(staff: User, panel: tuple) -> Application:
    from tests.review.conftest import assessed

    return assessed(staff, panel[0], panel[1], [8, 8, 8])
