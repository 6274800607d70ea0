"""Large question banks are checked by a background task with progress shown (issue 9, N-4.2).

The thresholds are lowered so the 800-item sample bank counts as large; the task runs on the
immediate backend when the upload's transaction "commits" (the captured on-commit callbacks)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.models import ApplicationOccupation
from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.cultivation import bank_checks
from evalorg.cultivation.banks import parse
from evalorg.cultivation.banks.samples import make_bank
from evalorg.cultivation.models import BankCheck, Deliverable
from tests.applications.conftest import SH, applicant_of
from tests.cultivation.test_deliverables import _signed_line, _upload
from tests.factories import ApplicantFactory, CityStaffFactory, city_agency
from tests.filing.conftest import province_staff

pytestmark = pytest.mark.django_db
IN_PERIOD = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
Status = BankCheck.Status
Line = ApplicationOccupation.Status


@pytest.fixture(autouse=True)
def _large_above_300_rows(settings):
    settings.BANK_CHECK_ASYNC_ROWS = 300  # the specification (206 rows) stays synchronous
    settings.BANK_CHECK_ASYNC_BYTES = 10 * 1024 * 1024


@pytest.fixture
def in_period():
    with time_machine.travel(IN_PERIOD, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def bank():
    return make_bank()


def _broken_theory(bank, index: int) -> bytes:
    broken = bank.copy()
    broken.items[index][8] = "Z"  # a 单选 answered with no option: row index + 2
    return broken.theory_xlsx()


def _page(client, line) -> str:
    return client.get(reverse("cultivation:line", args=[line.pk])).content.decode()


def _poll(client, line, check):
    return client.get(reverse("cultivation:bank_check", args=[line.pk, check.pk]))


def _with_others(client, line, bank) -> None:
    for kind in ("skill", "paper_plan", "marking"):
        data = bank.workbooks()[kind]
        assert _upload(client, line, kind, f"{kind}.xlsx", data).status_code == 302


def _upload_large_theory(client, line, bank, data=None, *, callbacks_into=None):
    assert (
        _upload(client, line, "specification", "细目表.xlsx", bank.spec_xlsx()).status_code == 302
    )
    response = _upload(client, line, "theory", "理论.xlsx", data or bank.theory_xlsx())
    assert response.status_code == 302
    return Deliverable.objects.get(line=line, kind="theory", is_current=True)


def test_a_large_bank_is_checked_in_the_background_with_progress_then_reported(
    client, in_period, bank, django_capture_on_commit_callbacks, monkeypatch
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks() as callbacks:
        theory = _upload_large_theory(client, line, bank)
        _with_others(client, line, bank)
    spec = Deliverable.objects.get(line=line, kind="specification", is_current=True)
    assert spec.passed and not spec.checks.exists()  # small: checked in the request
    check = BankCheck.objects.get(deliverable=theory)
    assert (check.status, theory.passed, theory.report) == (Status.QUEUED, False, [])

    page = _page(client, line)
    assert "检查中" in page and reverse("cultivation:bank_check", args=[line.pk, check.pk]) in page
    assert "检查中" in _poll(client, line, check).content.decode()
    with pytest.raises(TransitionRefused, match="正在后台检查") as refused:
        perform(line, "submit_bank", applicant_of(line.application))
    assert {r.clause for r in refused.value.refusals} == {"N-4.2"}

    seen: list[tuple[str, int, int | None, str]] = []
    monkeypatch.setattr(parse, "PROGRESS_EVERY", 200)

    def spy(method):
        original = getattr(bank_checks.Tracker, method)

        def record(self, *args):
            original(self, *args)
            row = BankCheck.objects.get(pk=check.pk)
            shown = _poll(client, line, row).content.decode()
            seen.append((row.stage, row.rows_done, row.rows_total, shown))

        monkeypatch.setattr(bank_checks.Tracker, method, record)

    spy("stage")
    spy("rows")
    for callback in callbacks:
        callback()  # the commit: the task runs (immediate backend)

    stages = [stage for stage, *_rest in seen]
    assert stages[0] == "reading" and stages[-1] == "papers"
    assert {"specification", "checking", "duplicates"} <= set(stages)
    rows = [(done, total) for stage, done, total, _shown in seen if stage == "reading" and done]
    assert rows[:4] == [(200, 801), (400, 801), (600, 801), (800, 801)]
    assert rows[-1] == (801, 801)
    middle = next(shown for stage, done, _t, shown in seen if done == 400)
    assert "检查中" in middle and "已读取 400 / 801 行" in middle

    check.refresh_from_db()
    theory.refresh_from_db()
    assert (check.status, check.stage, theory.passed) == (Status.DONE, "done", True), theory.report
    assert check.started_at == check.finished_at == IN_PERIOD
    done = _poll(client, line, check)
    assert done["HX-Refresh"] == "true"
    page = _page(client, line)
    assert "检查中" not in page and "检查通过" in page
    event = AuditEvent.objects.for_object(line).get(action="bank_check_finished")
    assert event.data["passed"] is True and event.audience == "applicant"

    perform(line, "submit_bank", applicant_of(line.application))
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED


def test_a_large_failing_bank_shows_its_rows_once_checked(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks(execute=True):
        theory = _upload_large_theory(client, line, bank, _broken_theory(bank, 5))
    theory.refresh_from_db()
    assert theory.checks.get().status == Status.DONE
    assert not theory.passed
    assert any(p["row"] == 7 and p["severity"] == "error" for p in theory.report)
    page = _page(client, line)
    assert "第 7 行" in page and "检查未通过" in page


def test_a_bank_over_the_size_limit_goes_to_the_background_too(
    client, in_period, bank, settings, django_capture_on_commit_callbacks
):
    settings.BANK_CHECK_ASYNC_ROWS = 100_000
    settings.BANK_CHECK_ASYNC_BYTES = 50_000  # the theory bank is about 82 KB, the table 20 KB
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks():
        theory = _upload_large_theory(client, line, bank)
    assert theory.checks.get().status == Status.QUEUED
    assert not Deliverable.objects.get(
        line=line, kind="specification", is_current=True
    ).checks.exists()


def test_small_files_are_still_checked_in_the_request(client, in_period, bank, settings):
    settings.BANK_CHECK_ASYNC_ROWS = 2000
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    theory = _upload_large_theory(client, line, bank)
    assert theory.passed and not BankCheck.objects.exists()


def test_a_failed_check_refuses_submission_until_uploaded_again(
    client, in_period, bank, django_capture_on_commit_callbacks, monkeypatch
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))

    checked = bank_checks.check_report

    def crash(row, *args, **kwargs):
        if row.kind == "theory":
            raise MemoryError("worker out of memory")
        return checked(row, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(bank_checks, "check_report", crash)
        with django_capture_on_commit_callbacks(execute=True):
            theory = _upload_large_theory(client, line, bank)
            _with_others(client, line, bank)
    check = theory.checks.get()
    assert check.status == Status.FAILED and "MemoryError" in check.error
    page = _page(client, line)
    assert "检查出错" in page and "MemoryError" not in page
    with pytest.raises(TransitionRefused, match="后台检查未能完成"):
        perform(line, "submit_bank", applicant_of(line.application))
    assert AuditEvent.objects.for_object(line).filter(action="bank_check_failed").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, line, "theory", "理论.xlsx", bank.theory_xlsx())
    perform(line, "submit_bank", applicant_of(line.application))
    line.refresh_from_db()
    assert line.status == Line.BANK_SUBMITTED


def test_a_newer_upload_supersedes_a_pending_check(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks() as first:
        old = _upload_large_theory(client, line, bank, _broken_theory(bank, 5))
    with django_capture_on_commit_callbacks() as second:
        new = _upload_large_theory(client, line, bank)
    # The new specification re-queued the old theory bank's check; both of its checks and the
    # old file's are no longer wanted once a newer theory bank arrived.
    for callback in [*first, *second]:
        callback()
    old_checks = set(BankCheck.objects.filter(deliverable=old).values_list("status", flat=True))
    assert old_checks == {Status.SUPERSEDED}
    new.refresh_from_db()
    assert new.passed and new.checks.get().status == Status.DONE
    assert bank_checks.run(new.checks.get().pk) == "skipped"  # never run twice


def test_a_new_specification_checks_a_large_theory_bank_again(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks(execute=True):
        theory = _upload_large_theory(client, line, bank)
    theory.refresh_from_db()
    assert theory.passed
    short = bank.copy()
    short.spec = short.spec[:-1]  # C.A.060 gone: its 4 items are no longer bound to a point
    with django_capture_on_commit_callbacks() as callbacks:
        _upload(client, line, "specification", "细目表.xlsx", short.spec_xlsx())
    theory.refresh_from_db()
    assert not theory.passed and theory.checking
    for callback in callbacks:
        callback()
    theory.refresh_from_db()
    assert not theory.passed
    assert any("C.A.060" in p["message"] for p in theory.report)


def test_the_sweep_fails_lost_checks_and_requeues_waiting_ones(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    with django_capture_on_commit_callbacks():
        theory = _upload_large_theory(client, line, bank)
    check = theory.checks.get()
    in_period.shift(timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 个重新排队" in bank_checks.sweep()
    check.refresh_from_db()
    assert check.status == Status.DONE

    with django_capture_on_commit_callbacks():
        _upload(client, line, "theory", "理论.xlsx", bank.theory_xlsx())
    lost = BankCheck.objects.get(status=Status.QUEUED)
    BankCheck.objects.filter(pk=lost.pk).update(status=Status.RUNNING, started_at=IN_PERIOD)
    in_period.shift(timedelta(minutes=31))
    assert "1 个超时判为出错" in bank_checks.sweep()
    lost.refresh_from_db()
    assert lost.status == Status.FAILED


def test_the_progress_is_refused_to_outsiders_and_shown_to_the_line_and_its_reviewers(
    client, in_period, bank, django_capture_on_commit_callbacks
):
    line = _signed_line()
    owner = applicant_of(line.application)
    client.force_login(owner)
    with django_capture_on_commit_callbacks():
        theory = _upload_large_theory(client, line, bank)
    check = theory.checks.get()
    url = reverse("cultivation:bank_check", args=[line.pk, check.pk])
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for outsider in (ApplicantFactory(), CityStaffFactory(agency=city_agency("440300"))):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code == 404
        assert client.post(url).status_code == 404
    other_line = _signed_line()
    client.force_login(applicant_of(other_line.application))
    wrong_line = reverse("cultivation:bank_check", args=[other_line.pk, check.pk])
    assert client.get(wrong_line).status_code == 404
    for insider in (owner, province_staff()):
        client.force_login(insider)
        response = client.get(url)
        assert response.status_code == 200 and "检查中" in response.content.decode()
    check.refresh_from_db()
    assert check.status == Status.QUEUED


@pytest.mark.parametrize(
    ("rows_limit", "bytes_margin", "background"),
    [
        (800, 0, False),  # 800 data rows and exactly the byte limit: still in the request
        (799, 0, True),  # one data row over the row limit
        (800, -1, True),  # one byte over the size limit
    ],
)
def test_the_background_thresholds_are_exclusive(
    client, in_period, bank, settings, rows_limit, bytes_margin, background
):
    """``BANK_CHECK_ASYNC_ROWS`` data rows (the header not counted) and
    ``BANK_CHECK_ASYNC_BYTES`` bytes are still checked in the request; one more goes to the
    background (the 800-item sample bank: 800 data rows)."""
    data = bank.theory_xlsx()
    settings.BANK_CHECK_ASYNC_ROWS = rows_limit
    settings.BANK_CHECK_ASYNC_BYTES = len(data) + bytes_margin
    line = _signed_line()
    client.force_login(applicant_of(line.application))
    theory = _upload_large_theory(client, line, bank, data)
    assert theory.checks.exists() is background
    assert theory.passed is not background
