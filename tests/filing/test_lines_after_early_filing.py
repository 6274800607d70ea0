"""Lines finish on their own clock after early acceptance (成熟一批，公布一批; issue 19 item 5;
N-4.2, N-4.3).

A case with two lines: one passes and is filed early through an approved batch; the other
continues to the case's day 180. Passed later, it is proposed in a later batch, approved, and
filed by a supplementary letter (补充备案函) with the first letter's validity; the registry
shows it. Not passed by day 180, it is eliminated by the sweep and the organization told. The
case page and the line pages read the same clock."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.commitment import sign
from evalorg.cultivation.deadlines import sweep_elimination, sweep_reminders
from evalorg.cultivation.models import Deliverable
from evalorg.filing import batches, registry
from evalorg.filing.models import FilingLetter
from evalorg.filing.services import issue_letter
from evalorg.notify.models import Message, OutboundEmail
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.conftest import LAST, START, cultivating, ready_deliverables, reviewed
from tests.factories import MINIMAL_PDF

from .conftest import approved_batch, issued, province_staff

pytestmark = pytest.mark.django_db
Line = ApplicationOccupation.Status
EARLY = START + timedelta(days=100)  # the first batch files level 5
LATER = START + timedelta(days=150)  # level 4 passes
SECOND = START + timedelta(days=170)  # the second batch


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def _pass(line: ApplicationOccupation, day: date) -> None:
    """The line's bank submitted by its organization and passed by the center, on ``day``."""
    with time_machine.travel(at(day), tick=False):
        Deliverable.objects.filter(line=line).update(is_current=False)  # uploaded before
        ready_deliverables(line)
        perform(line, "submit_bank", applicant_of(line.application))
        reviewed(line)
        perform(line, "pass_bank", province_staff(), reason="题库合格")


def _lines(case: Application) -> dict[int, str]:
    return dict(case.occupations.values_list("level", "status"))


@pytest.fixture
def filed_early():
    """A welder case (levels 5 and 4) whose level 5 passed and was filed on day 101 through
    an approved batch; level 4 still cultivating."""
    case = cultivating()
    sign(case, applicant_of(case), "张三", None)
    _pass(case.occupations.get(level=5), START + timedelta(days=60))
    first = issued(case, when=at(EARLY))
    case.refresh_from_db()
    assert case.state == State.FILED and first.kind == FilingLetter.Kind.FILING
    assert _lines(case) == {5: Line.FILED, 4: Line.CULTIVATING}
    return case, first


def test_the_remaining_line_passes_and_is_filed_by_a_supplementary_letter(
    client, filed_early, django_capture_on_commit_callbacks
):
    case, first = filed_early
    four = case.occupations.get(level=4)
    # Still open after the early filing: its page takes uploads (N-4.2).
    with time_machine.travel(at(LATER), tick=False):
        client.force_login(applicant_of(case))
        url = reverse("cultivation:line", args=[four.pk])
        upload = {
            "kind": "skill",
            "file": _xlsx("操作技能试题.xlsx", make_bank(level=4).skill_xlsx()),
            "attachment": _pdf("操作技能试题（盖章）.pdf"),
        }
        assert client.post(url, upload).status_code == 302
    assert Deliverable.objects.filter(line=four, kind="skill", is_current=True).exists()
    assert case not in batches.candidates(case.round)  # nothing new passed yet
    _pass(four, LATER)

    # A candidate again, for its new line only; the second batch is approved (N-4.3).
    assert list(batches.candidates(case.round)) == [case]
    batch = approved_batch(case, when=at(SECOND))
    case.refresh_from_db()
    assert case.state == State.FILED  # approval does not move a filed case
    assert list(batches.letters_missing(batch).values_list("application", flat=True)) == [case.pk]
    with (
        time_machine.travel(at(SECOND + timedelta(days=1)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [letter] = batches.issue_letters(batch, province_staff())

    assert letter.kind == FilingLetter.Kind.SUPPLEMENTARY and letter.original == first
    assert letter.valid_until == first.valid_until  # not five years from its own date
    assert letter.issued_on != first.issued_on and letter.number != first.number
    assert [(o["code"], o["level"]) for o in letter.occupations] == [("6-18-02-04", 4)]
    assert letter.entry.approval == batch and letter.batch == batch.letter_ref
    case.refresh_from_db()
    assert case.state == State.FILED and _lines(case) == {5: Line.FILED, 4: Line.FILED}
    assert not batches.letters_missing(batch).exists()
    assert case not in batches.candidates(case.round)

    # Through the engine: the line's ``file`` and the case's ``file_supplement``, audited.
    assert AuditEvent.objects.for_object(four).filter(action="file").count() == 1
    event = AuditEvent.objects.for_object(case).get(action="file_supplement")
    assert (event.from_state, event.to_state) == (State.FILED, State.FILED)
    assert event.data["letter"] == letter.number and event.data["approval"] == batch.pk
    assert event.audience == "applicant"

    # The organization is told, in-app and by e-mail, naming the line and the validity.
    told = Message.objects.get(recipient=applicant_of(case), subject__contains="补充备案")
    assert letter.number in told.subject and "四级" in told.body and first.number in told.body
    assert f"{first.valid_until:%Y年%m月%d日}" in told.body and "N-4.3" in told.body
    assert OutboundEmail.objects.filter(subject=told.subject).exists()

    # The registry: one row per letter, each with its own lines, the same validity.
    rows = {r["letter_number"]: r for r in (registry.row(x, clock.today()) for x in _registry())}
    assert [o["level"] for o in rows[first.number]["occupations"]] == [5]
    assert [o["level"] for o in rows[letter.number]["occupations"]] == [4]
    assert rows[letter.number]["valid_until"] == first.valid_until.isoformat()
    found = {r.number for r in registry.search({"q": case.institution.name})}
    assert found == {first.number, letter.number}

    # A third letter for nothing new is refused (N-4.3).
    with pytest.raises(TransitionRefused, match=r"N-4\.3"):
        issue_letter(case, province_staff())


def _registry():
    return list(registry.search({}))


def _pdf(name: str):
    return _xlsx(name, MINIMAL_PDF)


def _xlsx(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_case_page_shows_both_letters_and_the_public_batch_the_new_line(client, filed_early):
    case, first = filed_early
    _pass(case.occupations.get(level=4), LATER)
    batch = approved_batch(case, when=at(SECOND))
    center = province_staff()
    with time_machine.travel(at(SECOND), tick=False):
        [letter] = batches.issue_letters(batch, center)
        batches.publish(batch, center)
        client.force_login(applicant_of(case))
        page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
        client.force_login(center)
        staff_page = client.get(reverse("filing:batch", args=[batch.pk])).content.decode()
        client.logout()
        public = client.get(reverse("registry:acceptance")).content.decode()
    assert 'data-testid="filing-letter"' in page and 'data-testid="supplementary-letter"' in page
    assert first.number in page and letter.number in page and "补充备案函" in page
    assert letter.number in staff_page and "补充备案函" in staff_page
    second = public.split(batch.title)[1]
    assert letter.number in second and "四级" in second and "五级" not in second


def test_the_remaining_line_not_passed_by_day_180_is_eliminated_and_told(filed_early):
    case, _first = filed_early
    four = case.occupations.get(level=4)
    with time_machine.travel(at(LATER), tick=False):
        ready_deliverables(four)
        perform(four, "submit_bank", applicant_of(case))
        reviewed(four)
        perform(four, "fail_bank", province_staff(), reason="技能操作试题不足 10 道")
    with time_machine.travel(clock.deadline_end(LAST), tick=False):
        assert sweep_elimination() == "eliminated 0, lines 0"  # day 180 is still its own
        perform(four, "submit_bank", applicant_of(case))
    with time_machine.travel(at(LAST + timedelta(days=1), 0), tick=False):
        # After day 180 the center can no longer pass it, sweep or no sweep (N-4.3).
        with pytest.raises(TransitionRefused, match=r"N-4\.3"):
            perform(four, "pass_bank", province_staff(), reason="题库合格")
        assert sweep_elimination() == "eliminated 0, lines 1"
        assert sweep_elimination() == "eliminated 0, lines 0"
    case.refresh_from_db()
    assert case.state == State.FILED and _lines(case) == {5: Line.FILED, 4: Line.ELIMINATED}
    event = AuditEvent.objects.for_object(four).get(action="eliminate")
    assert event.actor_label == "系统" and "N-4.3" in event.data["reason"]
    told = Message.objects.get(recipient=applicant_of(case), subject__contains="自然淘汰")
    assert "焊工（四级" in told.body and "N-4.3" in told.body and "五级" not in told.body
    assert OutboundEmail.objects.filter(subject=told.subject).exists()
    assert case not in batches.candidates(case.round)
    assert FilingLetter.objects.filter(application=case).count() == 1


def test_the_open_line_of_a_case_filed_early_is_still_reminded(filed_early):
    """The 30-day, 7-day and last-day reminders (N-4.2) go on for a case filed early while a
    line is open; not once every line is done."""
    case, _first = filed_early
    with time_machine.travel(at(LAST - timedelta(days=30)), tick=False):
        assert sweep_reminders() == "reminders sent 1"
    told = Message.objects.get(recipient=applicant_of(case), subject__contains="30 天")
    assert f"{LAST:%Y年%m月%d日}" in told.body
    _pass(case.occupations.get(level=4), LAST - timedelta(days=10))
    with time_machine.travel(at(LAST - timedelta(days=7)), tick=False):
        assert sweep_reminders() == "reminders sent 0"  # nothing left open


COUNTDOWN = re.compile(r'<span data-testid="countdown">.*?</span></span>', re.S)


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _countdowns(client, user, url: str) -> list[str]:
    return COUNTDOWN.findall(_page(client, user, url))


@pytest.mark.parametrize(
    ("day", "phase", "words"),
    [
        (LATER, "running", f"剩余 {(LAST - LATER).days + 1} 天（含今天）"),
        (LAST, "last_day", "今天是培育期最后一天"),
        (LAST + timedelta(days=1), "expired", "培育期已届满，待系统办结"),
    ],
)
def test_the_case_page_and_the_line_pages_agree(client, filed_early, day, phase, words):
    """After the early filing, the case page's clock and the open line's pages (the
    applicant's and the center's) show the same dates and the same words, never
    培育期已结束 while the line runs."""
    case, _first = filed_early
    four = case.occupations.get(level=4)
    with time_machine.travel(at(day), tick=False):
        applicant, center = applicant_of(case), province_staff()
        case_page = _page(client, applicant, reverse("applications:detail", args=[case.pk]))
        [on_case] = COUNTDOWN.findall(case_page)
        [on_line] = _countdowns(client, applicant, reverse("cultivation:line", args=[four.pk]))
        [on_review] = _countdowns(
            client, center, reverse("cultivation:line_review", args=[four.pk])
        )
    assert on_case == on_line == on_review
    assert f"{LAST:%Y-%m-%d}" in on_case and f'data-phase="{phase}"' in on_case
    assert words in on_case and "培育期已结束" not in on_case
    # The line list on the case page gives each line the words of its own page.
    listed = re.search(rf'<li data-line="{four.pk}">.*?</li>', case_page, re.S)
    assert listed and words in listed.group(0)


def test_once_every_line_is_done_both_pages_say_so(client, filed_early):
    case, _first = filed_early
    four = case.occupations.get(level=4)
    with time_machine.travel(at(LAST + timedelta(days=1)), tick=False):
        sweep_elimination()
        applicant = applicant_of(case)
        [on_case] = _countdowns(client, applicant, reverse("applications:detail", args=[case.pk]))
        [on_line] = _countdowns(client, applicant, reverse("cultivation:line", args=[four.pk]))
    assert 'data-phase="ended"' in on_case and "培育期已结束" in on_case
    assert 'data-phase="line_done"' in on_line and f"{LAST:%Y-%m-%d}" in on_line


def _filed_with_a_new_line(n: int, first_on: date) -> Application:
    """A case filed early (its level 5, letter written directly) whose level 4 passed since:
    for page tests whose point is not the documents."""
    from tests.applications.conftest import stored_pdf
    from tests.publicity.conftest import pii_institution

    from .conftest import passed

    case = passed(pii_institution(n), state=State.FILED)
    case.occupations.filter(level=5).update(status=Line.FILED)
    FilingLetter.objects.create(
        application=case,
        number=f"粤职评备〔2025〕{n:03d}号",
        issued_on=first_on,
        valid_until=date(2030, 6, 10),
        occupations=[{"code": "6-18-02-04", "name": "焊工", "level": 5, "level_label": "五级"}],
        docx=stored_pdf("备案函.docx"),
        pdf=stored_pdf("备案函.pdf"),
        docx_sha256="0" * 64,
        pdf_sha256="0" * 64,
        issued_by=province_staff(),
    )
    return case


def _supplemented(batch, first_n: int) -> None:
    """Each approved entry of ``batch`` gets its supplementary letter (written directly)."""
    from tests.applications.conftest import stored_pdf

    for i, entry in enumerate(batch.entries.select_related("application"), start=first_n):
        first = FilingLetter.objects.get(application=entry.application, kind="filing")
        FilingLetter.objects.create(
            application=entry.application,
            kind=FilingLetter.Kind.SUPPLEMENTARY,
            entry=entry,
            original=first,
            number=f"粤职评备〔2025〕{100 + i:03d}号",
            issued_on=SECOND,
            valid_until=first.valid_until,
            occupations=[{"code": "6-18-02-04", "name": "焊工", "level": 4, "level_label": "四级"}],
            docx=stored_pdf("补充备案函.docx"),
            pdf=stored_pdf("补充备案函.pdf"),
            docx_sha256="0" * 64,
            pdf_sha256="0" * 64,
            issued_by=province_staff(),
            batch=batch.letter_ref,
        )


def test_batch_pages_with_supplementary_letters_keep_their_query_count(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    small = approved_batch(_filed_with_a_new_line(1, EARLY), when=at(SECOND))
    large = approved_batch(*(_filed_with_a_new_line(n, EARLY) for n in (2, 3, 4)), when=at(SECOND))
    _supplemented(small, 1)
    _supplemented(large, 2)
    center = province_staff()
    client.force_login(center)
    with time_machine.travel(at(SECOND), tick=False):
        one, page = queries(reverse("filing:batch", args=[small.pk]))
        three, large_page = queries(reverse("filing:batch", args=[large.pk]))
        for batch in (small, large):
            batches.publish(batch, center)
        client.logout()
        _count, public = queries(reverse("registry:acceptance"))
    assert one == three
    assert "粤职评备〔2025〕101号" in page and large_page.count("补充备案函") == 3
    assert public.count("补充备案函") == 4 and "焊工（四级）" in public


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_letters_issued_so_far_to_their_batch_entry():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.applications.conftest import stored_pdf
    from tests.publicity.conftest import pii_institution

    from .conftest import passed

    before = [("filing", "0005_leadership_approval"), ("selection", "0002_own_tables")]
    case, other = passed(pii_institution(1)), passed(pii_institution(2))
    center, pdf = province_staff(), stored_pdf("备案函.pdf")
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        approval = old.get_model("selection", "LeadershipApproval").objects.create(
            kind="acceptance", round_id=case.round_id, status="approved"
        )
        entries = old.get_model("selection", "LeadershipApprovalEntry").objects
        entry = entries.create(approval=approval, application_id=case.pk, approved=True)
        entries.create(approval=approval, application_id=other.pk, approved=True)
        letters = old.get_model("filing", "FilingLetter").objects
        for n, (application, ref) in enumerate(
            [(case, f"acceptance-{approval.pk}"), (other, "")], start=1
        ):
            letters.create(
                application_id=application.pk,
                number=f"粤职评备〔2023〕{n:03d}号",
                issued_on=date(2023, 12, 1),
                valid_until=date(2028, 11, 30),
                docx_id=pdf.pk,
                pdf_id=pdf.pk,
                docx_sha256="0" * 64,
                pdf_sha256="0" * 64,
                issued_by_id=center.pk,
                batch=ref,
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    linked = FilingLetter.objects.get(application=case)
    assert linked.entry_id == entry.pk and linked.kind == FilingLetter.Kind.FILING
    assert FilingLetter.objects.get(application=other).entry is None  # no batch reference
