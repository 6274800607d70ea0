"""Every page and file refuses outsiders: anonymous users, another institution, another
city's staff and an unassigned expert (brief: access standard). New URL names must be added
here, or to PUBLIC, or this test fails."""

from datetime import datetime

import pytest
import time_machine
from django.urls import get_resolver, reverse

from evalorg.applications import workflow
from evalorg.notify.models import Message
from tests.applications.conftest import SH, applicant_of, build_application
from tests.factories import ApplicantFactory, CityStaffFactory, UserFactory, city_agency

pytestmark = pytest.mark.django_db

PUBLIC = {
    "home",  # the portal for anonymous visitors, the role's home page once logged in
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:logout",
    "institutions:signup",
    "institutions:county_options",
    # Publicity is public by nature (N-4.1.3): notices, their PDF, the objection form.
    "public:notices",
    "public:notice",
    "public:notice_pdf",
    "public:objection_new",
    "public:objection_done",
    # The registry of filed organizations and its open data are public by nature (N-5.2).
    "registry:list",
    "registry:fields",
    "registry:csv",
    "registry:json",
    # Published acceptance batches (成熟一批，公布一批, N-4.3): public by nature.
    "registry:acceptance",
    "captcha-image",
    "captcha-image-2x",
    "captcha-audio",
    "captcha-refresh",
}
REFUSED = {302, 403, 404, 405}


def _case():
    application = build_application()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        return workflow.perform(application, "submit", applicant_of(application))


def _urls(case) -> dict[str, str]:
    pk = case.pk
    material = case.materials.first().pk
    line = case.occupations.first().pk
    message = Message.objects.create(
        recipient=applicant_of(case), subject=f"{case.institution.name} 已提交", url="/"
    )
    return {
        "accounts:password_change": reverse("accounts:password_change"),
        "accounts:password_change_done": reverse("accounts:password_change_done"),
        "institutions:profile": reverse("institutions:profile"),
        "institutions:profile_edit": reverse("institutions:profile_edit"),
        "institutions:member_add": reverse("institutions:member_add"),
        "institutions:declarations": reverse("institutions:declarations"),
        "institutions:declaration_evidence": reverse(
            "institutions:declaration_evidence", args=[case.institution.declarations.first().pk]
        ),
        "applications:list": reverse("applications:list"),
        "applications:new": reverse("applications:new"),
        "applications:register_expansion": reverse("applications:register_expansion"),
        "applications:detail": reverse("applications:detail", args=[pk]),
        "applications:step_institution": reverse("applications:step_institution", args=[pk]),
        "applications:step_occupations": reverse("applications:step_occupations", args=[pk]),
        "applications:occupation_search": reverse("applications:occupation_search", args=[pk])
        + "?q=焊工",
        "applications:occupation_remove": reverse(
            "applications:occupation_remove", args=[pk, line]
        ),
        "applications:occupation_remove_all": reverse(
            "applications:occupation_remove_all", args=[pk, case.occupations.first().occupation_id]
        ),
        "applications:step_materials": reverse("applications:step_materials", args=[pk]),
        "applications:material_upload": reverse(
            "applications:material_upload", args=[pk, "credit"]
        ),
        "applications:material_remove": reverse(
            "applications:material_remove", args=[pk, material]
        ),
        "applications:material_download": reverse(
            "applications:material_download", args=[pk, material]
        ),
        "applications:step_review": reverse("applications:step_review", args=[pk]),
        "applications:eligibility": reverse("applications:eligibility", args=[pk]),
        "applications:live_eligibility": reverse("applications:live_eligibility", args=[pk]),
        "applications:action": reverse("applications:action", args=[pk, "withdraw"]),
        "applications:pdf": reverse("applications:pdf", args=[pk]),
        "review_inbox:inbox": reverse("review_inbox:inbox"),
        "review_inbox:export": reverse("review_inbox:export"),
        "review_inbox:case": reverse("review_inbox:case", args=[pk]),
        "review_inbox:verify": reverse("review_inbox:verify", args=[pk]),
        "review_inbox:action": reverse("review_inbox:action", args=[pk, "verify"]),
        "review_inbox:resolve_finding": reverse("review_inbox:resolve_finding", args=[pk]),
        "review_inbox:declaration_evidence": reverse(
            "review_inbox:declaration_evidence",
            args=[pk, case.institution.declarations.first().pk],
        ),
        "review:ranking": reverse("review:ranking"),
        "review:decide": reverse("review:decide", args=[pk]),
        "review:complete": reverse("review:complete", args=[pk]),
        "review:send": reverse("review:send"),
        "review:summary": reverse("review:summary", args=["xlsx"]),
        "review:extend": reverse("review:extend"),
        "review:province_overview": reverse("review:province_overview"),
        "selection:ranking": reverse("selection:ranking"),
        "institutions:chain_leaders": reverse("institutions:chain_leaders"),
        "institutions:chain_leader_document": reverse(
            "institutions:chain_leader_document", args=[1]
        ),
        "selection:decide": reverse("selection:decide", args=[pk]),
        "selection:approval": reverse("selection:approval"),
        "selection:minutes": reverse("selection:minutes", args=[1]),
        "panels:list": reverse("panels:list"),
        "panels:experts": reverse("panels:experts"),
        "panels:add_member": reverse("panels:add_member", args=[1]),
        "panels:remove_member": reverse("panels:remove_member", args=[1, 1]),
        "panels:assign": reverse("panels:assign", args=[1]),
        "panels:unassign": reverse("panels:unassign", args=[1, 1]),
        "panels:reopen": reverse("panels:reopen", args=[1, 1]),
        "panels:sheet": reverse("panels:sheet", args=[1, 1]),
        "defense:list": reverse("defense:list"),
        "defense:create": reverse("defense:create"),
        "defense:detail": reverse("defense:detail", args=[1]),
        "defense:add": reverse("defense:add", args=[1]),
        "defense:renumber": reverse("defense:renumber", args=[1]),
        "defense:signin": reverse("defense:signin", args=[1]),
        "defense:move": reverse("defense:move", args=[1, 1, "up"]),
        "defense:attendance": reverse("defense:attendance", args=[1, 1]),
        "defense:transfer": reverse("defense:transfer", args=[1, 1]),
        "defense:respond": reverse("defense:respond", args=[1]),
        "expert:home": reverse("expert:home"),
        "expert:declare": reverse("expert:declare", args=[pk]),
        "expert:scoresheet": reverse("expert:scoresheet", args=[pk]),
        "notify:list": reverse("notify:list"),
        "notify:detail": reverse("notify:detail", args=[message.pk]),
        "notify:read_all": reverse("notify:read_all"),
        # The center's publicity pages: province staff only, whatever the object.
        "publicity:list": reverse("publicity:list"),
        "publicity:new": reverse("publicity:new") + f"?round={case.round_id}",
        "publicity:notice": reverse("publicity:notice", args=[1]),
        "publicity:publish": reverse("publicity:publish", args=[1]),
        "publicity:end": reverse("publicity:end", args=[1]),
        "publicity:objections": reverse("publicity:objections", args=[1]),
        "publicity:objection": reverse("publicity:objection", args=[1]),
        "publicity:objection_action": reverse("publicity:objection_action", args=[1, "uphold"]),
        "publicity:evidence": reverse("publicity:evidence", args=[1]),
        # Cultivation: the case's commitment letter; the agency's own training sessions.
        "cultivation:commitment": reverse("cultivation:commitment", args=[pk]),
        "cultivation:commitment_pdf": reverse("cultivation:commitment_pdf", args=[pk]),
        "cultivation:training_list": reverse("cultivation:training_list"),
        "cultivation:training": reverse("cultivation:training", args=[1]),
        # Question-bank deliverables per line: the line's applicant; province staff review.
        "cultivation:line": reverse("cultivation:line", args=[line]),
        "cultivation:line_template": reverse(
            "cultivation:line_template", args=[line, "specification"]
        ),
        "cultivation:deliverable": reverse("cultivation:deliverable", args=[line, 1]),
        "cultivation:line_review": reverse("cultivation:line_review", args=[line]),
        # A filing letter: the organization and the staff concerned (tests/filing/test_access).
        "filing:download": reverse("filing:download", args=[1, "pdf"]),
        "filing:issue": reverse("filing:issue", args=[pk]),
        # Acceptance batches: the center and the department only (tests/filing/test_batches).
        "filing:batches": reverse("filing:batches"),
        "filing:batch": reverse("filing:batch", args=[1]),
        "filing:batch_approve": reverse("filing:batch_approve", args=[1]),
        "filing:batch_issue": reverse("filing:batch_issue", args=[1]),
        "filing:batch_publish": reverse("filing:batch_publish", args=[1]),
        "filing:batch_minutes": reverse("filing:batch_minutes", args=[1]),
    }


def _named_routes() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                ns = pattern.namespace
                walk(pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return {n for n in names if not n.startswith("admin:")}


def test_every_named_route_is_covered():
    covered = set(_urls(_case()).keys()) | PUBLIC
    assert _named_routes() - covered == set()


def test_anonymous_is_sent_to_login_everywhere(client):
    for name, url in _urls(_case()).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"], name
        assert client.post(url).status_code in {302, 403, 405}, name


OUTSIDERS = {
    "other institution": lambda: ApplicantFactory(),
    "other city staff": lambda: CityStaffFactory(agency=city_agency("440300")),
    "unassigned expert": lambda: UserFactory(role="expert"),
}
OWN_PAGES_OF_ANY_USER = {
    "home",
    "accounts:password_change",
    "accounts:password_change_done",
    "applications:list",
    "review_inbox:inbox",
    "review_inbox:export",
    "review:ranking",
    "panels:list",
    "panels:experts",
    "expert:home",
    "institutions:profile",
    "institutions:profile_edit",
    "institutions:member_add",
    "institutions:declarations",
    "applications:register_expansion",
    "applications:new",
    "review:send",
    "review:summary",
    "notify:list",
    "notify:read_all",
    "cultivation:training_list",
}


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_outsiders_cannot_reach_this_case(client, who):
    case = _case()
    before = (case.materials.filter(is_current=True).count(), case.occupations.count())
    client.force_login(OUTSIDERS[who]())
    for name, url in _urls(case).items():
        if name in OWN_PAGES_OF_ANY_USER:
            continue  # pages about the user's own institution, agency or panel
        get, post = client.get(url), client.post(url)
        assert get.status_code in REFUSED, (who, name, get.status_code)
        assert post.status_code in REFUSED, (who, name, post.status_code)
        assert case.institution.name not in get.content.decode(), (who, name)
    case.refresh_from_db()
    assert case.state == "submitted"
    assert (case.materials.filter(is_current=True).count(), case.occupations.count()) == before


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_outsiders_lists_do_not_show_this_case(client, who):
    case = _case()
    client.force_login(OUTSIDERS[who]())
    for name in ["applications:list", "review_inbox:inbox", "review:ranking", "expert:home"]:
        response = client.get(reverse(name))
        assert case.institution.name not in response.content.decode(), (who, name)
