"""Acceptance batches (成熟一批，公布一批, N-4.3): the center proposes, the department approves
some cases with its minutes (they become accepted, the others stay cultivating with the note),
the center issues the batch's letters and publishes it; the public page shows no personal data;
only the center and the department reach the staff pages."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.applications import workflow
from evalorg.applications.models import State
from evalorg.core.models import AuditEvent
from evalorg.filing import batches
from evalorg.filing.models import FilingLetter
from evalorg.selection.models import LeadershipApproval, LeadershipApprovalEntry
from tests.applications.conftest import PDF_BYTES, applicant_of
from tests.factories import CityStaffFactory, city_agency
from tests.publicity.conftest import pii_institution

from .conftest import ISSUE_DAY, department_staff, passed, province_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(ISSUE_DAY, tick=False):
        yield


def _minutes():
    return SimpleUploadedFile("纪要.pdf", PDF_BYTES, content_type="application/pdf")


def _propose(client, center, *cases, title="2023年第一批验收") -> LeadershipApproval:
    client.force_login(center)
    response = client.post(
        reverse("filing:batches"),
        {"round": cases[0].round_id, "title": title, "case": [c.pk for c in cases]},
    )
    batch = LeadershipApproval.objects.get(title=title)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("filing:batch", args=[batch.pk])
    return batch


def _approve(client, department, batch, approve, notes=None):
    client.force_login(department)
    data = {
        "decided_on": "2023-11-28",
        "meeting_ref": "厅党组会议2023年第12次",
        "minutes": _minutes(),
        "approve": [c.pk for c in approve],
    }
    data.update({f"note-{pk}": note for pk, note in (notes or {}).items()})
    return client.post(reverse("filing:batch_approve", args=[batch.pk]), data)


@pytest.fixture
def two(db):
    first = passed(pii_institution(1))
    second = passed(pii_institution(2))
    return first, second


def test_the_department_approves_one_case_of_two(client, two):
    first, second = two
    batch = _propose(client, province_staff(), first, second)
    assert batch.status == LeadershipApproval.Status.PROPOSED
    department = department_staff()
    response = _approve(client, department, batch, [first], {second.pk: "培训记录待补充"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.ACCEPTED, State.CULTIVATING)
    batch.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.APPROVED
    assert (batch.decided_on, batch.meeting_ref) == (date(2023, 11, 28), "厅党组会议2023年第12次")
    assert batch.minutes is not None and batch.recorded_by == department
    entry = LeadershipApprovalEntry.objects.get(approval=batch, application=second)
    assert (entry.approved, entry.note) == (False, "培训记录待补充")
    accept = AuditEvent.objects.get(action="accept", object_id=str(first.pk))
    assert accept.actor == department and accept.data.get("batch")
    approval = AuditEvent.objects.get(
        action="approve", object_type="selection.leadershipapproval", object_id=str(batch.pk)
    )
    assert approval.data["approved"] == [first.pk]
    assert approval.data["deferred"] == {str(second.pk): "培训记录待补充"}
    # the page shows the decision and the note
    html = client.get(reverse("filing:batch", args=[batch.pk])).content.decode()
    assert "培训记录待补充" in html


def test_approval_without_a_ticked_case_changes_nothing(client, two):
    first, second = two
    batch = _propose(client, province_staff(), first, second)
    _approve(client, department_staff(), batch, [])
    batch.refresh_from_db()
    first.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.PROPOSED and batch.minutes is None
    assert first.state == State.CULTIVATING


def test_a_case_not_approved_in_the_batch_cannot_be_accepted_through_it(client, two):
    first, second = two
    batch = _propose(client, province_staff(), first, second)
    department = department_staff()
    _approve(client, department, batch, [first])
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.perform(second, "accept", department, batch=batch.pk)
    assert [r.clause for r in refused.value.refusals] == ["N-4.3"]
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform(second, "accept", department)  # the department only through a batch
    with pytest.raises(workflow.TransitionRefused):
        workflow.perform(second, "accept", province_staff(), batch=batch.pk)
    second.refresh_from_db()
    assert second.state == State.CULTIVATING


def test_letters_issued_for_the_batch_carry_its_id(client, two):
    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    _approve(client, department_staff(), batch, [first])
    client.force_login(center)
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert response.status_code == 302
    letter = FilingLetter.objects.get(application=first)
    assert letter.batch == batch.letter_ref == f"acceptance-{batch.pk}"
    assert not FilingLetter.objects.filter(application=second).exists()
    first.refresh_from_db()
    assert first.state == State.FILED
    # issuing again does nothing more
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert FilingLetter.objects.count() == 1


def test_publishing_needs_the_letters_then_the_public_page_lists_the_batch(client, two):
    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    _approve(client, department_staff(), batch, [first])
    client.force_login(center)
    client.post(reverse("filing:batch_publish", args=[batch.pk]), {"confirm": "yes"})
    batch.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.APPROVED  # no letter yet
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    client.post(reverse("filing:batch_publish", args=[batch.pk]), {"confirm": "yes"})
    batch.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.PUBLISHED and batch.published_at

    client.logout()
    response = client.get(reverse("registry:acceptance"))
    assert response.status_code == 200
    html = response.content.decode()
    assert batch.title in html
    # Batches of different rounds may share a name: each says its round (issue 22).
    assert f'data-testid="batch-round">{batch.round.name} · 公布于' in html
    assert first.institution.name in html and "焊工" in html
    assert second.institution.name not in html
    for case in (first, second):
        institution = case.institution
        for secret in (
            institution.contact_name,
            institution.contact_phone,
            institution.contact_email,
            institution.legal_rep_name,
            institution.legal_rep_id_number,
            applicant_of(case).email,
        ):
            assert secret not in html, secret


def test_a_proposed_batch_is_not_public(client, two):
    batch = _propose(client, province_staff(), *two)
    client.logout()
    assert batch.title not in client.get(reverse("registry:acceptance")).content.decode()


def test_a_case_without_a_passed_bank_cannot_be_proposed(client, two):
    first, _second = two
    first.occupations.update(status="bank_submitted")
    client.force_login(province_staff())
    response = client.post(
        reverse("filing:batches"),
        {"round": first.round_id, "title": "不应创建", "case": [first.pk]},
    )
    assert not LeadershipApproval.objects.filter(title="不应创建").exists()
    # The page answers with the refusal and keeps what was typed (core.actions.run, refused=).
    page = response.content.decode()
    assert response.status_code == 400
    assert "所选申请不能列入验收批次" in page and 'value="不应创建"' in page


def _staff_pages(batch) -> list[str]:
    return [
        reverse("filing:batches"),
        reverse("filing:batch", args=[batch.pk]),
        reverse("filing:batch_approve", args=[batch.pk]),
        reverse("filing:batch_issue", args=[batch.pk]),
        reverse("filing:batch_publish", args=[batch.pk]),
        reverse("filing:batch_minutes", args=[batch.pk]),
    ]


@pytest.mark.parametrize("who", ["anonymous", "city staff", "applicant"])
def test_outsiders_are_refused_on_every_staff_page(client, two, who):
    first, second = two
    batch = _propose(client, province_staff(), first, second)
    _approve(client, department_staff(), batch, [first])
    client.logout()
    if who == "city staff":
        client.force_login(CityStaffFactory(agency=city_agency("440100")))
    elif who == "applicant":
        client.force_login(applicant_of(first))
    for url in _staff_pages(batch):
        for response in (client.get(url), client.post(url)):
            assert response.status_code in {302, 403, 405}, (who, url, response.status_code)
            assert first.institution.name not in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.APPROVED
    assert not FilingLetter.objects.exists()


def test_each_side_keeps_to_its_own_step(client, two):
    first, second = two
    center, department = province_staff(), department_staff()
    batch = _propose(client, center, first, second)
    # the department cannot create a batch, the center cannot record the approval
    client.force_login(department)
    response = client.post(
        reverse("filing:batches"),
        {"round": first.round_id, "title": "厅建批次", "case": [second.pk]},
    )
    assert response.status_code == 403
    assert _approve(client, center, batch, [first]).status_code == 403
    batch.refresh_from_db()
    assert batch.status == LeadershipApproval.Status.PROPOSED
    # ... nor may the department issue letters or publish
    _approve(client, department, batch, [first])
    for name in ("filing:batch_issue", "filing:batch_publish"):
        assert client.post(reverse(name, args=[batch.pk])).status_code == 403
    assert not FilingLetter.objects.exists()
    # both read the batch and its minutes
    for user in (center, department):
        client.force_login(user)
        assert client.get(reverse("filing:batch", args=[batch.pk])).status_code == 200
        assert client.get(reverse("filing:batch_minutes", args=[batch.pk])).status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_lists_use_a_constant_number_of_queries(client):
    center = province_staff()

    def publish_one(n):
        case = passed(pii_institution(n))
        batch = _propose(client, center, case, title=f"第{n}批")
        _approve(client, department_staff(), batch, [case])
        client.force_login(center)
        client.post(reverse("filing:batch_issue", args=[batch.pk]))
        client.post(reverse("filing:batch_publish", args=[batch.pk]), {"confirm": "yes"})
        passed(pii_institution(100 + n))  # a candidate not yet proposed

    publish_one(1)
    client.force_login(center)
    staff_one = _queries(client, reverse("filing:batches"))
    client.logout()
    public_one = _queries(client, reverse("registry:acceptance"))
    for n in range(2, 5):
        publish_one(n)
    client.force_login(center)
    assert _queries(client, reverse("filing:batches")) == staff_one
    client.logout()
    assert _queries(client, reverse("registry:acceptance")) == public_one


def _html(client, user, batch) -> str:
    client.force_login(user)
    return client.get(reverse("filing:batch", args=[batch.pk])).content.decode()


def _buttons(client, user, batch) -> set[str]:
    html = _html(client, user, batch)
    names = {
        "approve": reverse("filing:batch_approve", args=[batch.pk]),
        "issue": reverse("filing:batch_issue", args=[batch.pk]),
        "publish": reverse("filing:batch_publish", args=[batch.pk]),
    }
    return {name for name, url in names.items() if f'action="{url}"' in html}


def test_a_proposed_batch_cannot_have_letters_issued_and_nothing_changes(client, two):
    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    events = AuditEvent.objects.exclude(action="login").count()
    client.force_login(center)
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]), follow=True)
    assert "N-4.3" in response.content.decode()
    with pytest.raises(workflow.TransitionRefused, match=r"N-4\.3"):
        batches.issue_letters(batch, center)
    assert not FilingLetter.objects.exists()
    assert AuditEvent.objects.exclude(action="login").count() == events
    for case in (first, second):
        case.refresh_from_db()
        assert case.state == State.CULTIVATING


def test_the_department_approves_and_only_then_are_letters_issued(client, two):
    first, second = two
    center, department = province_staff(), department_staff()
    batch = _propose(client, center, first, second)
    client.force_login(center)
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert not FilingLetter.objects.exists()
    assert _approve(client, department, batch, [first, second]).status_code == 302
    client.force_login(center)
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert FilingLetter.objects.filter(application__in=[first, second]).count() == 2
    events = AuditEvent.objects.filter(action__in=["accept", "file_case"])
    assert {(e.action, e.actor_id) for e in events} == {
        ("accept", department.pk),
        ("file_case", center.pk),
    }


def test_the_batch_page_offers_only_what_the_engine_allows(client, two):
    """Buttons follow ``available_actions``: the approval form for the department while the
    batch is proposed; for the center the letters while some are missing, publication once
    they are all issued; nothing else, to no one else."""
    first, second = two
    center, department = province_staff(), department_staff()
    batch = _propose(client, center, first, second)
    assert _buttons(client, center, batch) == set()
    assert _buttons(client, department, batch) == {"approve"}
    _approve(client, department, batch, [first])
    assert _buttons(client, department, batch) == set()
    assert _buttons(client, center, batch) == {"issue"}
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    assert _buttons(client, center, batch) == {"publish"}
    client.post(reverse("filing:batch_publish", args=[batch.pk]), {"confirm": "yes"})
    assert _buttons(client, center, batch) == set()
    assert _buttons(client, department, batch) == set()


def test_both_find_the_batches_in_their_navigation(client):
    for user in (province_staff(), department_staff()):
        client.force_login(user)
        html = client.get("/").content.decode()
        assert f'href="{reverse("filing:batches")}"' in html and "验收批次" in html


def _todo(client, user) -> str:
    client.force_login(user)
    html = client.get("/").content.decode()
    return html.split('data-testid="todo-list"')[1].split("</div>")[0]


def test_the_home_page_lists_the_batches_waiting_for_each_side(client, two):
    center, department = province_staff(), department_staff()
    assert "记录领导小组审定" not in _todo(client, department)
    batch = _propose(client, center, *two)
    todo = _todo(client, department)
    page = f'href="{reverse("filing:batch", args=[batch.pk])}"'
    assert "记录领导小组审定" in todo and page in todo
    assert page not in _todo(client, center)
    _approve(client, department, batch, [two[0]])
    assert page not in _todo(client, department)
    todo = _todo(client, center)
    assert "公布验收批次" in todo and page in todo


class _Queue:
    """Stands in for the ``issue_batch_letters`` task: records what is queued, then runs it
    as the worker would (the task is a frozen dataclass, so it cannot be patched in place)."""

    def __init__(self, run: bool = True) -> None:
        self.queued: list[tuple] = []
        self.run = run

    def enqueue(self, *args):
        from evalorg.filing import tasks

        self.queued.append(args)
        if self.run:
            tasks.issue_batch_letters.func(*args)


def test_a_batch_beyond_the_request_limit_is_issued_by_the_worker(
    client, two, settings, monkeypatch
):
    """Issue 21 item 3: a large batch is not filed inside the POST (a hundred cases outlast the
    request timeout and were cut off halfway): the POST queues the loop and says so; the
    worker issues every letter, each case in its own transaction."""
    from evalorg.filing import tasks

    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    _approve(client, department_staff(), batch, [first, second])
    settings.EVALORG_LETTERS_IN_REQUEST = 1
    client.force_login(center)
    queue = _Queue(run=False)
    monkeypatch.setattr(tasks, "issue_batch_letters", queue)
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]), follow=True)
    assert queue.queued == [(batch.pk, center.pk)]
    assert "已交由后台逐份签发" in response.content.decode()
    assert not FilingLetter.objects.exists()  # nothing filed inside the request
    monkeypatch.undo()
    assert tasks.issue_batch_letters.func(*queue.queued[0]) == "2 letters issued"
    assert FilingLetter.objects.filter(application__in=[first, second]).count() == 2


def test_a_large_batch_not_yet_approved_is_refused_without_queueing(
    client, two, settings, monkeypatch
):
    from evalorg.filing import tasks

    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    LeadershipApprovalEntry.objects.filter(approval=batch).update(approved=True)  # not decided
    settings.EVALORG_LETTERS_IN_REQUEST = 0
    client.force_login(center)
    queue = _Queue()
    monkeypatch.setattr(tasks, "issue_batch_letters", queue)
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]), follow=True)
    assert "N-4.3" in response.content.decode()
    assert queue.queued == [] and not FilingLetter.objects.exists()


def _batch_page(client, batch) -> str:
    return client.get(reverse("filing:batch", args=[batch.pk])).content.decode()


def test_the_batch_page_shows_how_far_the_letters_are(client, two, monkeypatch):
    """Issue 25 item 5: n of m letters issued and rendered, with a 刷新 link until done (no
    meta refresh: a page reloading itself fails WCAG 2.2.1, axe's "meta-refresh")."""
    from evalorg.filing import services

    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    _approve(client, department_staff(), batch, [first, second])
    client.force_login(center)
    page = _batch_page(client, batch)
    assert "已签发备案函 0 / 2 份" in page and "已生成签名文件 0 / 2 份" in page
    assert 'data-testid="batch-refresh"' in page and 'http-equiv="refresh"' not in page
    monkeypatch.setattr(services, "queue_documents", lambda letters_: None)  # worker is slow
    client.post(reverse("filing:batch_issue", args=[batch.pk]))
    page = _batch_page(client, batch)
    assert "已签发备案函 2 / 2 份" in page and "已生成签名文件 0 / 2 份" in page
    assert 'data-testid="batch-refresh"' in page and 'http-equiv="refresh"' not in page
    monkeypatch.undo()
    for letter in batches.documents_pending(batch):
        services.render_documents(letter.pk)
    page = _batch_page(client, batch)
    assert "已生成签名文件 2 / 2 份" in page
    assert 'http-equiv="refresh"' not in page and 'data-testid="batch-refresh"' not in page


def test_a_batch_the_worker_is_issuing_says_so_and_offers_no_second_issue(client, two, settings):
    """The task queued by the POST (django-tasks-db row, ready) shows as 后台正在逐份签发,
    and the issue button is gone until it has run (no second run queued by a second click)."""
    from evalorg.filing import tasks

    first, second = two
    center = province_staff()
    batch = _propose(client, center, first, second)
    _approve(client, department_staff(), batch, [first, second])
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "banks"]}
    }
    settings.EVALORG_LETTERS_IN_REQUEST = 1
    client.force_login(center)
    response = client.post(reverse("filing:batch_issue", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "已交由后台逐份签发" in page and not FilingLetter.objects.exists()
    assert 'data-testid="batch-working"' in page and 'data-testid="batch-refresh"' in page
    assert "签发本批备案函" not in page
    assert batches.progress(batch) == batches.Progress(2, 0, 0, working=True)
    assert tasks.issue_batch_letters.func(batch.pk, center.pk) == "2 letters issued"
    assert batches.progress(batch).issued == 2
