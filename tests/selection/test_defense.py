"""Defense sessions of the provincial selection (issue 8; SPEC §6.3, N-4.1.3)."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from evalorg.applications.models import Application
from evalorg.core import sweeps
from evalorg.core.models import AuditEvent
from evalorg.core.workflow import TransitionRefused
from evalorg.notify.models import Message, OutboundEmail
from evalorg.review.decisions import send_batch
from evalorg.review.models import PanelMember
from evalorg.review.scoring import DIMENSIONS, aggregate, template_items
from evalorg.review.services import ranked, selection_panel, template_for
from evalorg.rounds.defaults import default_scoresheets
from evalorg.rounds.models import Round
from evalorg.selection import defense
from evalorg.selection.models import DefenseSession, DefenseSlot
from tests.applications.conftest import SH, applicant_of
from tests.factories import ApplicantFactory, CityStaffFactory, InstitutionFactory, UserFactory
from tests.review.conftest import assessed, panel_with_experts

pytestmark = pytest.mark.django_db
SENT_ON = datetime(2023, 5, 24, 10, 0, tzinfo=SH)
DAY = date(2023, 6, 10)
BEFORE = datetime(2023, 6, 1, 9, 0, tzinfo=SH)


@pytest.fixture
def center_staff():
    return UserFactory(role=Role.PROVINCE_STAFF, agency=Agency.objects.get(kind="province"))


@pytest.fixture
def city():
    staff = CityStaffFactory()
    return staff, panel_with_experts(staff)


@pytest.fixture
def round_():
    return Round.objects.get(code="gd-2023")


def sent_cases(city, count: int, institution=None) -> list:
    """``count`` cases the city recommended and sent: state province_review."""
    staff, (panel, experts) = city
    cases = []
    for _ in range(count):
        case = assessed(staff, panel, experts, [8, 8, 8], institution)
        row = next(r for r in ranked(staff.agency, case.round) if r.application.pk == case.pk)
        cases.append(
            workflow.perform(
                case, "recommend", staff, reason="推荐", rank=row.rank, total=row.aggregate.total
            )
        )
    with time_machine.travel(SENT_ON, tick=False):
        send_batch(cases, staff)
    for case in cases:
        case.refresh_from_db()
    return cases


def new_session(round_, staff, start=time(9, 0), day=DAY, place="省职业技能服务指导中心301室"):
    with time_machine.travel(BEFORE, tick=False):
        return defense.create_session(round_, staff, day=day, start_time=start, place=place)


def slots_of(session) -> list[tuple[int, int]]:
    return list(session.slots.order_by("position").values_list("application_id", "position"))


# ---- scheduling rules -------------------------------------------------------------------------


def test_overlapping_sessions_of_one_panel_are_refused(client, center_staff, city, round_):
    cases = sent_cases(city, 4)
    morning = new_session(round_, center_staff)
    defense.add_cases(morning, [c.pk for c in cases[:3]], center_staff)  # 09:00–10:00
    client.force_login(center_staff)
    response = client.post(
        reverse("defense:create"),
        {"round": round_.pk, "date": "2023-06-10", "start_time": "09:40", "place": "302室"},
        follow=True,
    )
    assert "时间不得重叠" in response.content.decode()
    assert "N-4.1.3" in response.content.decode()
    assert DefenseSession.objects.count() == 1
    later = new_session(round_, center_staff, start=time(10, 0))  # right after: accepted
    assert later.panel == morning.panel == selection_panel(round_, center_staff)
    assert DefenseSession.objects.count() == 2
    # Adding a fourth case would stretch the morning to 10:20, into the later session.
    response = client.post(
        reverse("defense:add", args=[morning.pk]), {"applications": [cases[3].pk]}, follow=True
    )
    assert "时间不得重叠" in response.content.decode()
    assert morning.slots.count() == 3 and not DefenseSlot.objects.filter(application=cases[3])
    defense.add_cases(later, [cases[3].pk], center_staff)
    assert slots_of(later) == [(cases[3].pk, 1)]


def test_another_day_does_not_overlap(center_staff, city, round_):
    new_session(round_, center_staff)
    new_session(round_, center_staff, day=date(2023, 6, 11))
    with pytest.raises(TransitionRefused):
        new_session(round_, center_staff, start=time(9, 10))
    assert DefenseSession.objects.count() == 2


def test_an_institution_gets_one_slot_per_round(client, center_staff, city, round_):
    institution = InstitutionFactory(name="佛山同名测试机构有限公司")
    ApplicantFactory(institution=institution)
    first = sent_cases(city, 1, institution)[0]
    # Two open cases of one institution in a round must differ in kind (the constraint
    # uniq_open_application_per_round_kind).
    Application.objects.filter(pk=first.pk).update(kind="expansion")
    second = sent_cases(city, 1, institution)[0]
    session = new_session(round_, center_staff)
    other = new_session(round_, center_staff, day=date(2023, 6, 11))
    client.force_login(center_staff)
    response = client.post(
        reverse("defense:add", args=[session.pk]),
        {"applications": [first.pk, second.pk]},
        follow=True,
    )
    assert "只能安排一次现场答辩" in response.content.decode()
    assert DefenseSlot.objects.count() == 0
    defense.add_cases(session, [first.pk], center_staff)
    with pytest.raises(TransitionRefused, match="佛山同名测试机构有限公司"):
        defense.add_cases(other, [second.pk], center_staff)
    assert DefenseSlot.objects.count() == 1


# ---- ordering -----------------------------------------------------------------------------------


def test_renumbering_and_moving(client, center_staff, city, round_):
    a, b, c = sent_cases(city, 3)
    session = new_session(round_, center_staff)
    defense.add_cases(session, [a.pk, b.pk, c.pk], center_staff)
    slot = {s.application_id: s.pk for s in session.slots.all()}
    client.force_login(center_staff)
    url = reverse("defense:renumber", args=[session.pk])
    bad = {f"pos-{slot[a.pk]}": 1, f"pos-{slot[b.pk]}": 1, f"pos-{slot[c.pk]}": 2}
    response = client.post(url, bad, follow=True)
    assert "每个编号只用一次" in response.content.decode()
    assert slots_of(session) == [(a.pk, 1), (b.pk, 2), (c.pk, 3)]
    good = {f"pos-{slot[a.pk]}": 3, f"pos-{slot[b.pk]}": 1, f"pos-{slot[c.pk]}": 2}
    client.post(url, good)
    assert slots_of(session) == [(b.pk, 1), (c.pk, 2), (a.pk, 3)]
    client.post(reverse("defense:move", args=[session.pk, slot[a.pk], "up"]))
    assert slots_of(session) == [(b.pk, 1), (a.pk, 2), (c.pk, 3)]
    client.post(reverse("defense:move", args=[session.pk, slot[b.pk], "up"]))  # already first
    assert slots_of(session) == [(b.pk, 1), (a.pk, 2), (c.pk, 3)]
    page = client.get(reverse("defense:detail", args=[session.pk])).content.decode()
    assert page.index(b.institution.name) < page.index(a.institution.name)
    assert "09:20—09:40" in page  # second slot: start + 1 × 20 minutes
    moved = Message.objects.filter(recipient=applicant_of(a), subject__contains="调整")
    assert moved.exists()
    assert AuditEvent.objects.filter(action="defense_reordered").count() == 2


def test_slot_times_follow_the_position(center_staff, city, round_):
    round_.defense_slot_minutes = 30
    round_.save()
    cases = sent_cases(city, 2)
    session = new_session(round_, center_staff, start=time(14, 0))
    defense.add_cases(session, [c.pk for c in cases], center_staff)
    rows = defense.session_rows(session)
    assert [(r.start, r.end) for r in rows] == [
        (time(14, 0), time(14, 30)),
        (time(14, 30), time(15, 0)),
    ]


# ---- the applicant ------------------------------------------------------------------------------


def test_applicant_is_told_its_slot_and_never_the_panel(client, center_staff, city, round_):
    case = sent_cases(city, 1)[0]
    panel = selection_panel(round_, center_staff)
    expert = UserFactory(role="expert", full_name="钟南山评委")
    PanelMember.objects.create(panel=panel, expert=expert, is_chair=True)
    session = new_session(round_, center_staff, start=time(9, 30))
    defense.add_cases(session, [case.pk], center_staff)
    applicant = applicant_of(case)
    notice = Message.objects.get(recipient=applicant, subject="现场答辩安排通知")
    assert "09:30" in notice.body and "301室" in notice.body and "钟南山" not in notice.body
    email = OutboundEmail.objects.get(subject="现场答辩安排通知")
    assert case.institution.contact_email in email.to and "钟南山" not in email.body
    client.force_login(applicant)
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert 'data-testid="defense-slot"' in page
    assert "09:30—09:50" in page and "省职业技能服务指导中心301室" in page
    assert "钟南山" not in page and expert.username not in page


def test_applicant_confirms_or_asks_for_another_time(client, center_staff, city, round_):
    case = sent_cases(city, 1)[0]
    session = new_session(round_, center_staff)
    slot = defense.add_cases(session, [case.pk], center_staff)[0]
    url = reverse("defense:respond", args=[slot.pk])
    with time_machine.travel(BEFORE, tick=False):
        for outsider in [ApplicantFactory(), CityStaffFactory(), center_staff]:
            client.force_login(outsider)
            assert client.post(url, {"answer": "confirm"}).status_code == 404
        slot.refresh_from_db()
        assert slot.state == "offered"
        client.force_login(applicant_of(case))
        client.post(url, {"answer": "change", "reason": "  "})
        slot.refresh_from_db()
        assert slot.state == "offered"
        client.post(url, {"answer": "change", "reason": "法定代表人当天出差"})
        slot.refresh_from_db()
        assert slot.state == "reschedule_requested"
        assert slot.change_reason == "法定代表人当天出差"
        assert Message.objects.filter(recipient=center_staff, subject__contains="申请调整").exists()
        client.force_login(center_staff)
        page = client.get(reverse("defense:detail", args=[session.pk])).content.decode()
        assert "法定代表人当天出差" in page
        # The center moves the case to another session; the applicant confirms the new time.
        other = new_session(round_, center_staff, day=date(2023, 6, 12))
        client.post(reverse("defense:transfer", args=[session.pk, slot.pk]), {"target": other.pk})
        slot.refresh_from_db()
        assert (slot.session, slot.position, slot.state) == (other, 1, "moved")
        client.force_login(applicant_of(case))
        client.post(url, {"answer": "confirm"})
    slot.refresh_from_db()
    assert slot.state == "confirmed" and slot.confirmed_at is not None
    event = AuditEvent.objects.filter(action="confirm_defense").get()
    assert event.audience == "applicant" and event.from_state == "moved"
    assert event.data["session"] == other.pk and "panel" not in event.data


# ---- reminders ----------------------------------------------------------------------------------


def test_reminder_sweep_sends_once(center_staff, city, round_):
    unconfirmed, confirmed = sent_cases(city, 2)
    session = new_session(round_, center_staff)
    slots = defense.add_cases(session, [unconfirmed.pk, confirmed.pk], center_staff)
    with time_machine.travel(BEFORE, tick=False):
        defense.respond(slots[1], applicant_of(confirmed), confirm=True)
    assert "defense_reminders" in sweeps.sweep_names()
    reminders = Message.objects.filter(subject__contains="提醒")
    with time_machine.travel(datetime(2023, 6, 7, 9, 0, tzinfo=SH), tick=False):
        sweeps.run_sweeps()
    assert reminders.count() == 0  # three days before: not yet
    with time_machine.travel(datetime(2023, 6, 8, 9, 0, tzinfo=SH), tick=False):
        results = {r.name: r for r in sweeps.run_sweeps()}
        sweeps.run_sweeps()
    assert results["defense_reminders"].ok
    assert list(reminders.values_list("recipient", flat=True)) == [applicant_of(unconfirmed).pk]
    assert OutboundEmail.objects.filter(subject__contains="提醒").count() == 1
    slots[0].refresh_from_db()
    assert slots[0].reminded_at is not None


# ---- the sign-in sheet and the page's cost ------------------------------------------------------


def test_signin_sheet_lists_the_institutions(client, center_staff, city, round_):
    cases = sent_cases(city, 2)
    session = new_session(round_, center_staff)
    defense.add_cases(session, [c.pk for c in cases], center_staff)
    client.force_login(center_staff)
    response = client.get(reverse("defense:signin", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert "现场答辩签到表" in text and "签到人签名" in text
    for case in cases:
        assert case.institution.name in text
    assert "09:20—09:40" in text


def test_session_page_query_count_is_constant(client, center_staff, city, round_):
    cases = sent_cases(city, 4)
    session = new_session(round_, center_staff)
    client.force_login(center_staff)
    url = reverse("defense:detail", args=[session.pk])
    defense.add_cases(session, [cases[0].pk], center_staff)
    client.get(url)  # warm caches (session, calendar)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    defense.add_cases(session, [c.pk for c in cases[1:]], center_staff)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert all(c.institution.name in page for c in cases)
    assert len(many) == len(one)


def test_staff_pages_are_for_the_center_only(client, center_staff, city, round_):
    case = sent_cases(city, 1)[0]
    session = new_session(round_, center_staff)
    slot = defense.add_cases(session, [case.pk], center_staff)[0]
    urls = [
        reverse("defense:list"),
        reverse("defense:detail", args=[session.pk]),
        reverse("defense:signin", args=[session.pk]),
    ]
    posts = [
        reverse("defense:add", args=[session.pk]),
        reverse("defense:renumber", args=[session.pk]),
        reverse("defense:move", args=[session.pk, slot.pk, "down"]),
        reverse("defense:attendance", args=[session.pk, slot.pk]),
    ]
    for url in urls + posts:
        assert "/accounts/login/" in client.get(url)["Location"]
    for outsider in [city[0], applicant_of(case), UserFactory(role="expert")]:
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 403
        for url in posts:
            assert client.post(url, {"attendance": "absent"}).status_code == 403
    slot.refresh_from_db()
    assert slot.state == "offered"
    client.force_login(center_staff)
    page = client.get(reverse("defense:list")).content.decode()
    assert "答辩安排" in page and "省职业技能服务指导中心301室" in page


# ---- attendance and scoring ---------------------------------------------------------------------


def test_attendance_is_recorded_on_the_day(client, center_staff, city, round_):
    case = sent_cases(city, 1)[0]
    session = new_session(round_, center_staff)
    slot = defense.add_cases(session, [case.pk], center_staff)[0]
    client.force_login(center_staff)
    url = reverse("defense:attendance", args=[session.pk, slot.pk])
    with time_machine.travel(BEFORE, tick=False):
        client.post(url, {"attendance": "absent"})
    slot.refresh_from_db()
    assert slot.state == "offered"
    with time_machine.travel(datetime(2023, 6, 10, 9, 5, tzinfo=SH), tick=False):
        client.force_login(center_staff)  # the 30-minute session of June 1st has expired
        assert client.post(url, {"attendance": "absent"}).status_code == 302
    slot.refresh_from_db()
    assert slot.state == "absent"
    assert defense.absent_application_ids(round_) == {case.pk}
    event = AuditEvent.objects.get(action="mark_absent")
    assert (event.from_state, event.to_state, event.audience) == ("offered", "absent", "staff")


def test_province_scoresheet_has_defense_items_and_sums_to_100(round_):
    items = template_items(default_scoresheets()["province"])
    assert sum(i.max_points for i in items) == 100
    defense_items = [i for i in items if i.code.startswith("defense_")]
    assert len(defense_items) == 2
    assert {i.dimension for i in defense_items} == {"evaluation_professionalism"}
    assert {i.dimension for i in items} == {code for code, _label in DIMENSIONS}
    assert template_for(round_, "province_selection") == items


def test_an_absent_case_gets_zero_defense_points():
    items = template_items(default_scoresheets()["province"])
    full = {i.code: i.max_points for i in items}  # every expert gave full marks
    sheets = [full, full, full]
    present = aggregate(
        [defense.defense_adjusted_scores(s, False, items) for s in sheets], items, "mean", 20
    )
    absent = aggregate(
        [defense.defense_adjusted_scores(s, True, items) for s in sheets], items, "mean", 20
    )
    assert present.total == Decimal(100)
    assert absent.total == Decimal(80)
    assert absent.items["defense_presentation"] == absent.items["defense_answers"] == 0
    assert absent.dimensions["evaluation_professionalism"] == Decimal(20)
    assert absent.dimensions["industry_representativeness"] == Decimal(30)
    assert full["defense_answers"] == 10  # the input is not changed


def test_a_session_dated_in_the_past_is_refused_and_nothing_is_created(
    client, center_staff, city, round_
):
    """Issue 19: a defense session dated in the past was accepted. The day before today is
    refused citing N-4.1.3 and nothing is stored; today itself is accepted."""
    sent_cases(city, 1)
    client.force_login(center_staff)
    with time_machine.travel(datetime(2023, 6, 11, 9, 0, tzinfo=SH), tick=False):
        response = client.post(
            reverse("defense:create"),
            {"round": round_.pk, "date": "2023-06-10", "start_time": "09:00", "place": "302室"},
            follow=True,
        )
        assert "答辩日期不能早于今天。（N-4.1.3）" in response.content.decode()
        assert not DefenseSession.objects.exists()
        defense.create_session(
            round_, center_staff, day=date(2023, 6, 11), start_time=time(14, 0), place="302室"
        )
    assert DefenseSession.objects.count() == 1
