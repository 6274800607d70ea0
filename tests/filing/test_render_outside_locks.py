"""Letters are rendered outside any transaction (issue 21 item 3): a batch once rendered its
DOCX and PDF under the letter-number counter lock and the cases' row locks, and logins waited
11 s. Numbers stay unique and gapless, a failed rendering leaves a filed case whose letter
keeps its number and is rendered again, and the audit trail still carries the hashes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.urls import reverse

from evalorg.applications.models import Application, State
from evalorg.applications.workflow import TransitionRefused
from evalorg.core.models import AuditEvent
from evalorg.filing import letters, services
from evalorg.filing.batches import documents_pending, issue_letters, publish
from evalorg.filing.models import FilingLetter, LetterSequence

from .conftest import ISSUE_DAY, approved_batch, passed, province_staff

DOCUMENTS_EVENT = "filing_letter_documents"


class RendererSpy:
    """Wraps the two renderers: records whether a transaction was open at each call and, on
    PostgreSQL, whether another connection could take the locks issuing uses."""

    def __init__(self, monkeypatch, *, fail_pdf: bool = False) -> None:
        self.in_transaction: list[bool] = []
        self.locks_free: list[bool] = []
        self.fail_pdf = fail_pdf
        self._docx, self._pdf = letters.render_docx, letters.render_letter_pdf
        monkeypatch.setattr(letters, "render_docx", self.docx)
        monkeypatch.setattr(letters, "render_letter_pdf", self.pdf)

    def _seen(self, context) -> None:
        self.in_transaction.append(connection.in_atomic_block)
        if connection.vendor == "postgresql":
            self.locks_free.append(_locks_free(context["number"]))

    def docx(self, context) -> bytes:
        self._seen(context)
        return self._docx(context)

    def pdf(self, context) -> bytes:
        self._seen(context)
        if self.fail_pdf:
            raise RuntimeError("WeasyPrint ran out of memory")
        return self._pdf(context)


def _locks_free(number: str) -> bool:
    """From another connection: the counter row and the letter's case row can be locked at
    once (NOWAIT raises when another transaction holds them)."""
    letter = FilingLetter.objects.get(number=number)
    outcome: list[bool] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                LetterSequence.objects.select_for_update(nowait=True).get(
                    round_id=letter.application.round_id, year=letter.issued_on.year
                )
                Application.objects.select_for_update(nowait=True).get(pk=letter.application_id)
            outcome.append(True)
        except Exception:  # a lock held elsewhere: DatabaseError (NOWAIT)
            outcome.append(False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(30)
    return outcome == [True]


@pytest.mark.django_db(transaction=True)
def test_a_batch_renders_every_document_with_no_transaction_and_no_lock_held(monkeypatch):
    spy = RendererSpy(monkeypatch)
    cases = [passed() for _ in range(3)]
    center = province_staff()
    batch = approved_batch(*cases, center=center)
    with time_machine.travel(ISSUE_DAY, tick=False):
        issued = issue_letters(batch, center)
    assert len(issued) == 3
    assert spy.in_transaction == [False] * 6  # a DOCX and a PDF per letter
    if connection.vendor == "postgresql":
        assert spy.locks_free == [True] * 6
    assert all(letter.documents_ready for letter in FilingLetter.objects.all())


@pytest.mark.django_db
def test_a_batch_numbers_its_letters_gapless_in_entry_order(staff):
    cases = [passed() for _ in range(6)]
    batch = approved_batch(*cases, center=staff)
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    numbers = [
        FilingLetter.objects.get(entry=entry).number for entry in batch.entries.order_by("pk")
    ]
    assert numbers == [f"粤职评备〔2023〕{n:03d}号" for n in range(1, 7)]
    assert LetterSequence.objects.get().last == 6


@pytest.mark.django_db
def test_a_case_refused_mid_batch_keeps_the_letters_before_it_and_the_numbers_gapless(staff):
    """Each case is filed with its letter in its own transaction: a refusal changes nothing of
    its case, the letters before it stay issued, and issuing again numbers on without a gap."""
    first, second, third = (passed() for _ in range(3))
    batch = approved_batch(first, second, third, center=staff)
    second.occupations.update(status="bank_submitted")  # its bank reopened meanwhile
    with time_machine.travel(ISSUE_DAY, tick=False), pytest.raises(TransitionRefused):
        issue_letters(batch, staff)
    assert list(FilingLetter.objects.values_list("application", "number")) == [
        (first.pk, "粤职评备〔2023〕001号")
    ]
    assert Application.objects.get(pk=second.pk).state == State.ACCEPTED
    assert FilingLetter.objects.get().documents_ready
    second.occupations.update(status="bank_passed")
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    numbers = dict(FilingLetter.objects.values_list("application", "number"))
    assert [numbers[case.pk] for case in (first, second, third)] == [
        f"粤职评备〔2023〕{n:03d}号" for n in (1, 2, 3)
    ]


@pytest.mark.django_db
def test_a_failed_rendering_leaves_the_case_filed_and_a_retry_keeps_the_number(
    client, staff, monkeypatch
):
    spy = RendererSpy(monkeypatch, fail_pdf=True)
    case = passed()
    batch = approved_batch(case, center=staff)
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    letter = FilingLetter.objects.get(application=case)
    assert Application.objects.get(pk=case.pk).state == State.FILED
    assert letter.number == "粤职评备〔2023〕001号" and not letter.documents_ready
    assert (letter.docx_sha256, letter.pdf_sha256) == ("", "")
    assert not AuditEvent.objects.filter(action=DOCUMENTS_EVENT).exists()
    assert list(documents_pending(batch)) == [letter]

    # Nothing unfinished is published; downloads say the file is being prepared.
    with pytest.raises(TransitionRefused, match="尚在生成"):
        publish(batch, staff)
    client.force_login(staff)
    response = client.get(reverse("filing:download", args=[letter.pk, "pdf"]))
    assert response.status_code == 202 and "正在生成" in response.content.decode()
    page = client.get(reverse("filing:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="render-again"' in page and "文件生成中" in page

    spy.fail_pdf = False
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.documents_ready and letter.number == "粤职评备〔2023〕001号"
    assert LetterSequence.objects.get().last == 1  # the retry took no new number
    event = AuditEvent.objects.get(action=DOCUMENTS_EVENT)
    assert event.data["pdf_sha256"] == letter.pdf_sha256 == letter.pdf.sha256
    assert client.get(reverse("filing:download", args=[letter.pk, "pdf"])).status_code == 200
    with time_machine.travel(ISSUE_DAY, tick=False):
        publish(batch, staff)


@pytest.mark.django_db
def test_the_sweep_renders_letters_left_pending_after_a_while(staff, monkeypatch):
    spy = RendererSpy(monkeypatch, fail_pdf=True)
    batch = approved_batch(passed(), center=staff)
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    spy.fail_pdf = False
    with time_machine.travel(ISSUE_DAY + timedelta(minutes=1), tick=False):
        assert services.sweep_letter_documents().startswith("0 ")  # maybe still in the queue
    with time_machine.travel(ISSUE_DAY + timedelta(minutes=11), tick=False):
        assert services.sweep_letter_documents().startswith("1 ")
    assert not documents_pending(batch).exists()


@pytest.mark.django_db
def test_rendering_twice_stores_the_documents_once(staff):
    case = passed()
    batch = approved_batch(case, center=staff)
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    letter = FilingLetter.objects.get(application=case)
    again = services.render_documents(letter.pk)
    assert (again.pdf_id, again.docx_id) == (letter.pdf_id, letter.docx_id)
    # A retry that rendered while another stored: its bytes are not stored a second time.
    assert services._store_documents(letter.pk, b"other", b"other").pdf_id == letter.pdf_id
    assert AuditEvent.objects.filter(action=DOCUMENTS_EVENT).count() == 1


@pytest.mark.django_db
def test_letters_are_queued_below_the_default_priority_so_emails_go_first(staff, settings):
    """One task per letter, each below e-mail delivery's default priority (0)."""
    from django_tasks import default_task_backend

    case = passed()
    batch = approved_batch(case, center=staff)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with time_machine.travel(ISSUE_DAY, tick=False):
        issue_letters(batch, staff)
    queued = [r for r in default_task_backend.results if r.task.name == "render_letter_documents"]
    assert [(r.args, r.task.priority) for r in queued] == [
        ([FilingLetter.objects.get().pk], services.RENDER_PRIORITY)
    ]
    assert services.RENDER_PRIORITY < 0
