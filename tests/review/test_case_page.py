"""One case page for every role (issue 19 item 3): ``applications:detail`` shows each reader the
sections of its audience, and the former staff URL (``review_inbox:case``) redirects there.

The case (tests/review/test_confidentiality.py): verified by Guangzhou, scored by three of four
experts (the fourth declared a conflict), one sheet reopened with a reason, recommended with
an internal reason. Each reader's page is checked for what it must show and what it must not.
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.accounts.models import Agency, Role, User
from evalorg.applications import sections
from evalorg.applications.materials import add_material
from evalorg.core import audit
from evalorg.core.models import AuditEvent
from evalorg.review.decisions import send_batch
from evalorg.review.models import Scoresheet
from tests.applications.conftest import applicant_of, build_application
from tests.factories import MINIMAL_PDF, CityStaffFactory, UserFactory, city_agency

from .test_confidentiality import EXPERTS, INTERNAL_REASON, REOPEN_REASON, STAFF, Case
from .test_confidentiality import case as scored_case  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(scored_case: Case) -> Case:  # noqa: F811 (the fixture imported above)
    return scored_case


SENT_ON = "2023-05-24 10:00 +0800"
STAFF_ONLY = (
    'data-testid="verification-section"',
    'data-testid="answers"',
    'data-testid="declarations"',
    'data-testid="stage-city_assessment"',
)


def page(client, user, application, **query) -> str:
    client.force_login(user)
    response = client.get(reverse("applications:detail", args=[application.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def staff_of(kind: str, role: str) -> User:
    return UserFactory(role=role, agency=Agency.objects.get(kind=kind))


def expert(username: str) -> User:
    return User.objects.get(username=username)


def names(*pairs: tuple[str, str]) -> list[str]:
    return [text for pair in pairs for text in pair]


def test_the_applicant_reads_its_case_without_experts_staff_or_staff_sections(client, case):
    body = page(client, case.applicant, case.application)
    assert 'data-reader="applicant"' in body
    assert case.application.get_state_display() in body and 'data-testid="history"' in body
    material = case.application.materials.first()
    assert reverse("applications:material_download", args=[case.application.pk, material.pk]) in (
        body
    )
    assert "提交申请" in body  # the applicant history
    for secret in [*names(*EXPERTS, STAFF), INTERNAL_REASON, REOPEN_REASON, *STAFF_ONLY]:
        assert secret not in body, secret
    assert reverse("expert:scoresheet", args=[case.application.pk]) not in body
    assert not AuditEvent.objects.for_object(case.application).filter(action="case_viewed")


def test_the_receiving_city_reads_everything_with_the_staff_history(client, case):
    staff = User.objects.get(username=STAFF[0])
    body = page(client, staff, case.application)
    assert 'data-reader="staff"' in body
    for part in STAFF_ONLY:
        assert part in body, part
    # The staff history: the sheets' events with the experts' logins and the reopen reason.
    assert "提交评估表" in body and "已提交 → 已退回修改" in body and REOPEN_REASON in body
    assert EXPERTS[0][0] in body or EXPERTS[0][1] in body
    assert INTERNAL_REASON in body
    # Actions from the engine, posted to the one action URL.
    assert reverse("applications:action", args=[case.application.pk, "send_to_province"]) in body
    assert AuditEvent.objects.for_object(case.application).filter(action="case_viewed").count() == 1


def test_reads_are_counted_and_shown_on_request(client, case):
    staff = User.objects.get(username=STAFF[0])
    page(client, staff, case.application)
    body = page(client, staff, case.application)
    assert "显示查阅记录（2 条）" in body and "查阅案卷" not in body.split('"history"')[1]
    shown = page(client, staff, case.application, reads="1")
    assert "查阅案卷" in shown.split('"history"')[1]


def test_the_department_reads_the_staff_view_and_checks_nothing(client, case):
    department = staff_of(Agency.Kind.DEPARTMENT, Role.DEPARTMENT)
    body = page(client, department, case.application)
    assert 'data-reader="staff"' in body and 'data-testid="stage-city_assessment"' in body
    assert 'data-testid="open-verify"' not in body
    assert "evidence-" not in body  # the evidence is the receiving agency's and the center's
    assert 'action="/applications/' not in body  # no case action is the department's here


def test_the_center_reads_a_case_once_it_was_sent(client, case):
    center = staff_of(Agency.Kind.PROVINCE, Role.PROVINCE_STAFF)
    client.force_login(center)
    url = reverse("applications:detail", args=[case.application.pk])
    assert client.get(url).status_code == 404
    staff = User.objects.get(username=STAFF[0])
    with time_machine.travel(SENT_ON, tick=False):
        send_batch([case.application], staff)
    body = page(client, center, case.application)
    assert 'data-reader="staff"' in body and 'data-testid="stage-province_selection"' in body
    assert "提交评估表" in body


def test_an_assigned_expert_reads_the_materials_and_its_sheet_only(client, case):
    own, other = EXPERTS[1], [p for p in EXPERTS if p != EXPERTS[1]]
    body = page(client, expert(own[0]), case.application)
    assert 'data-reader="expert"' in body
    material = case.application.materials.first()
    download = reverse("applications:material_download", args=[case.application.pk, material.pk])
    assert download in body
    assert reverse("expert:scoresheet", args=[case.application.pk]) in body
    assert str(Scoresheet.Status.SUBMITTED.label) in body.split('data-testid="my-sheet"')[1]
    assert 'data-testid="history"' not in body and "办理记录" not in body
    for secret in [*names(*other, STAFF), INTERNAL_REASON, REOPEN_REASON, *STAFF_ONLY]:
        assert secret not in body, secret
    assert not AuditEvent.objects.for_object(case.application).filter(action="case_viewed")


def test_a_conflicted_expert_does_not_reach_the_case(client, case):
    """The fourth expert declared a conflict: the case leaves its scope (N-4.1.2)."""
    client.force_login(expert(EXPERTS[3][0]))
    assert client.get(reverse("applications:detail", args=[case.application.pk])).status_code == 404


def test_an_expert_declares_before_reading_the_materials(client, case):
    from evalorg.review.models import ConflictDeclaration

    own = expert(EXPERTS[1][0])
    ConflictDeclaration.objects.filter(expert=own).delete()
    body = page(client, own, case.application)
    assert reverse("expert:declare", args=[case.application.pk]) in body
    assert 'data-testid="materials"' not in body


@pytest.mark.parametrize("who", ["other_city", "unassigned_expert", "other_applicant", "anon"])
def test_everyone_else_is_refused(client, case, who):
    url = reverse("applications:detail", args=[case.application.pk])
    if who == "anon":
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
        return
    user = {
        "other_city": lambda: CityStaffFactory(agency=city_agency("440300")),
        "unassigned_expert": lambda: UserFactory(role=Role.EXPERT),
        "other_applicant": lambda: applicant_of(build_application()),
    }[who]()
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("review_inbox:case", args=[case.application.pk])).status_code == 404


def test_the_former_staff_url_redirects_to_the_one_page(client, case):
    staff = User.objects.get(username=STAFF[0])
    client.force_login(staff)
    old = reverse("review_inbox:case", args=[case.application.pk])
    response = client.get(old, {"reads": "1"})
    assert response.status_code == 301
    assert response["Location"] == (
        reverse("applications:detail", args=[case.application.pk]) + "?reads=1"
    )
    assert client.get(old, follow=True).status_code == 200


def test_each_reader_gets_only_the_sections_registered_for_it():
    """The expert's page is the occupations, the materials and the sheet (review's section);
    supervision is staff-only."""
    by_reader = {
        reader: {s.render.__name__ for s in sections._sections if reader in s.readers}
        for reader in sections.Reader
    }
    assert by_reader[sections.Reader.EXPERT] == {"occupations_section", "sheet_section"}
    assert "supervision_section" not in by_reader[sections.Reader.APPLICANT]
    assert {"verification_section", "stages_section"} <= by_reader[sections.Reader.STAFF]
    assert not {"verification_section", "stages_section"} & by_reader[sections.Reader.APPLICANT]
    for reader in (sections.Reader.APPLICANT, sections.Reader.STAFF):
        assert {"cultivation_section", "letter_section", "publicity_section"} <= by_reader[reader]
        assert "defense_section" in by_reader[reader]


# ---- a constant number of queries as the history and the materials grow -----------------------


def _queries(client, user, application) -> int:
    client.force_login(user)
    url = reverse("applications:detail", args=[application.pk])
    client.get(url)  # warm: the session, content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(application, user, times: int) -> None:
    """Replaced files (earlier versions on the staff page) and history rows."""
    items = list(application.round.checklist.all())[:3]
    for n in range(times):
        for item in items:
            current = application.materials.filter(item_code=item.code, is_current=True).first()
            upload = SimpleUploadedFile(f"第{n}版.pdf", MINIMAL_PDF, content_type="application/pdf")
            add_material(application, item, upload, user, replaces=current)
        audit.record("finding_resolved", application, actor=user, data={"n": n})


def test_the_page_keeps_its_queries_as_history_and_materials_grow(client, case):
    staff = User.objects.get(username=STAFF[0])
    readers = {
        "applicant": case.applicant,
        "staff": staff,
        "expert": expert(EXPERTS[1][0]),
    }
    before = {name: _queries(client, user, case.application) for name, user in readers.items()}
    _grow(case.application, case.applicant, 6)
    after = {name: _queries(client, user, case.application) for name, user in readers.items()}
    assert before == after
