"""The applicant never learns who scored it (issue 7 item 7, SPEC §1 confidentiality).

A case goes through verification, a panel, conflict declarations, scoring, a reopened sheet
and a recommendation with an internal reason; then every applicant page of that case (found
in the URL conf), the messages pages and the case PDF must not name an expert or the staff.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, get_resolver, reverse
from pypdf import PdfReader

from evalorg.accounts.models import User
from evalorg.applications import workflow
from evalorg.applications.models import Application
from evalorg.notify.models import Message
from evalorg.review import conflicts
from evalorg.review.models import Assignment, Panel, PanelMember, Scoresheet
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from tests.applications.conftest import applicant_of
from tests.factories import CityStaffFactory, UserFactory

from .conftest import verified

pytestmark = pytest.mark.django_db

EXPERTS = [
    ("expert_zhangwei_77", "张伟专家"),
    ("expert_wangfang_78", "王芳专家"),
    ("expert_liuyang_79", "刘洋专家"),
    ("expert_chenjing_80", "陈静专家"),  # declares a conflict and never scores
]
STAFF = ("staff_zhaolei_91", "赵磊职员")
INTERNAL_REASON = "内部理由仅供工作人员参阅"
REOPEN_REASON = "退回理由仅供专家参阅"
# Extra route arguments, filled from the case (applications:* routes taking the case pk).
ACTION = "withdraw"


@dataclass
class Case:
    application: Application
    applicant: object
    secrets: list[str]


def _submit_sheet(client, expert, application) -> None:
    data = {f"score_{item['code']}": "8" for item in DEFAULT_SCORESHEET["items"]}
    data.update({"version": "0", "action": "submit", "opinion": "recommend", "confirm": "yes"})
    sheet = Scoresheet.objects.filter(expert=expert, application=application).first()
    if sheet is not None:
        data["version"] = str(sheet.version)
    client.force_login(expert)
    response = client.post(reverse("expert:scoresheet", args=[application.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def case(client) -> Case:
    username, full_name = STAFF
    staff = CityStaffFactory(username=username, full_name=full_name)
    application = verified(staff)
    panel = Panel.objects.create(
        agency=staff.agency, round=application.round, stage="city_assessment", name="广州评审组"
    )
    experts = [UserFactory(role="expert", username=u, full_name=n) for u, n in EXPERTS]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    Assignment.objects.create(panel=panel, application=application)
    for expert in experts[:3]:
        conflicts.declare(panel, application, expert, "none")
    conflicts.declare(panel, application, experts[3], "consultant", "曾任该机构顾问")
    for expert in experts[:3]:
        _submit_sheet(client, expert, application)
    sheet = Scoresheet.objects.get(expert=experts[0], application=application)
    client.force_login(staff)
    reopen = reverse("panels:reopen", args=[panel.pk, sheet.pk])
    assert client.post(reopen, {"reason": REOPEN_REASON}).status_code == 302
    _submit_sheet(client, experts[0], application)
    application = workflow.perform(application, "score_complete", staff)
    application = workflow.perform(
        application, "recommend", staff, reason=INTERNAL_REASON, rank=1, total=None
    )
    client.logout()
    secrets = [s for pair in [*EXPERTS, STAFF] for s in pair] + [INTERNAL_REASON, REOPEN_REASON]
    return Case(application, applicant_of(application), secrets)


def case_routes() -> list[URLPattern]:
    """Every ``applications:*`` route that takes the case's pk."""
    resolver = get_resolver()
    _prefix, sub = resolver.namespace_dict["applications"]
    return [
        p for p in sub.url_patterns if isinstance(p, URLPattern) and "pk" in p.pattern.converters
    ]


def _kwargs(pattern: URLPattern, application: Application) -> dict:
    material = application.materials.first()
    line = application.occupations.first()
    values = {
        "pk": application.pk,
        "material_pk": material.pk,
        "line_pk": line.pk,
        "code": material.item_code,
        "action": ACTION,
    }
    if pattern.name == "occupation_remove_all":
        values["code"] = line.occupation.code
    return {name: values[name] for name in pattern.pattern.converters}


def applicant_urls(application: Application) -> list[str]:
    urls = [
        reverse(f"applications:{p.name}", kwargs=_kwargs(p, application)) for p in case_routes()
    ]
    urls += [reverse("applications:list"), reverse("home"), reverse("notify:list")]
    for message in Message.objects.all():
        urls.append(reverse("notify:detail", args=[message.pk]))
    return urls


def page_text(client, url: str, case_pdf: str = "") -> str:
    """The page's text; the case PDF's extracted text; an uploaded file's raw bytes."""
    response = client.get(url, follow=True)
    if url == case_pdf:
        return pdf_text(response)
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_the_routes_found_cover_the_case_pages():
    names = {p.name for p in case_routes()}
    assert {"detail", "pdf", "material_download", "step_review", "eligibility"} <= names


def test_applicant_pages_name_no_expert_and_no_staff(client, case):
    client.force_login(case.applicant)
    found = {}
    case_pdf = reverse("applications:pdf", args=[case.application.pk])
    for url in applicant_urls(case.application):
        hits = leaks(page_text(client, url, case_pdf), case.secrets)
        if hits:
            found[url] = hits
    assert found == {}


def test_the_case_pdf_is_read_and_carries_the_case(client, case):
    """The PDF check is not vacuous: its text is extracted and names the institution."""
    client.force_login(case.applicant)
    response = client.get(reverse("applications:pdf", args=[case.application.pk]))
    assert response.status_code == 200
    assert case.application.institution.name in pdf_text(response)


def test_staff_see_who_scored_so_the_search_can_find_names(client, case):
    """The other side: the same names do appear on a staff page of the case."""
    staff = User.objects.get(username=STAFF[0])
    client.force_login(staff)
    text = page_text(client, reverse("applications:detail", args=[case.application.pk]))
    assert EXPERTS[0][1] in text or EXPERTS[0][0] in text
