"""The access matrix (issue 11, SPEC §1): every named route × every role, on objects that exist
in one seeded world (tests/access/world.py). For each route a policy says who is let in (their
GET answers 200 and their POST changes what it should) and everyone else is refused (403/404,
a redirect to log in only for anonymous users) with nothing changed: not the object, not the
audit chain.

A new route must get an entry in ROUTES (or PUBLIC); an entry is one line in the simplest case:
    "app:name": Route(allow(CITY, PROVINCE), stage="review", args=lambda w: [w.case("review").pk]),
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from evalorg.accounts.models import ApiToken, User
from evalorg.annual.models import AnnualReport
from evalorg.applications.models import Application
from evalorg.complaints.models import Complaint
from evalorg.cultivation.models import (
    BankReviewAssignment,
    CommitmentLetter,
    TrainingAttendance,
    TrainingSession,
)
from evalorg.filing.models import FilingLetter, SupervisionNote
from evalorg.institutions.models import ChainLeaderDesignation, IdentityChange, Membership
from evalorg.notify.models import Message
from evalorg.publicity.models import Objection, PublicityNotice
from evalorg.renewal.models import Renewal
from evalorg.review.models import (
    Assignment,
    ConflictDeclaration,
    DeadlineExtension,
    PanelMember,
    Scoresheet,
)
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from evalorg.sanctions.models import Sanction
from evalorg.selection.models import DefenseSession, DefenseSlot, LeadershipApproval
from evalorg.supervision.models import (
    AssessmentPlan,
    Inspection,
    InspectionDraw,
    InspectionFinding,
)
from evalorg.supervision.roster import sample_xlsx
from tests.access.matrix import (
    Route,
    allow,
    assert_let_in,
    assert_refused,
    audit_length,
    figures,
    is_login_redirect,
    named_routes,
    post_cases,
    roles_of,
)
from tests.access.world import (
    ADMIN,
    ANON,
    CITY,
    DEPARTMENT,
    EXPERT,
    OTHER_APPLICANT,
    OTHER_CITY,
    OTHER_EXPERT,
    OWNER,
    PROVINCE,
    ROLES,
    World,
    build_world,
)
from tests.applications.conftest import IN_APPLICATION_PERIOD, PDF_BYTES, SH
from tests.cultivation.conftest import FINDINGS
from tests.factories import ApplicantFactory
from tests.publicity.conftest import BEFORE_START

pytestmark = pytest.mark.django_db

USERS = frozenset(ROLES) - {ANON}
APPLICANTS = allow(OWNER, OTHER_APPLICANT)
INBOX = allow(CITY, OTHER_CITY, PROVINCE)  # each agency's own inbox, ranking, panels
CASE_READERS = allow(OWNER, CITY, DEPARTMENT, EXPERT, ADMIN)  # a case at the city's review
SCORING_ITEMS = [item["code"] for item in DEFAULT_SCORESHEET["items"]]
IN_CULTIVATION = datetime(2025, 5, 6, 10, 0, tzinfo=SH)
BEFORE_DEFENSE = datetime(2023, 6, 5, 10, 0, tzinfo=SH)
DEFENSE_DAY = datetime(2023, 6, 10, 9, 30, tzinfo=SH)
ISSUE_DAY = datetime(2023, 12, 1, 10, 0, tzinfo=SH)


def pdf(name: str = "文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def case(stage: str):
    return lambda w: [w.case(stage).pk]


def obj(*names: str):
    return lambda w: [w.pk(n) for n in names]


def state(stage: str):
    return lambda w: Application.objects.get(pk=w.case(stage).pk).state


def count(model, **lookup):
    return lambda w: model.objects.filter(**{k: v(w) for k, v in lookup.items()}).count()


def _colleague(w: World) -> User:
    """A second account of OWNER's institution (OWNER signed it up: its admin)."""
    institution = w.case("review").institution
    found = User.objects.filter(membership__institution=institution, membership__is_admin=False)
    return found.first() or ApplicantFactory(institution=institution)


def password_of(role: str):
    return lambda w: User.objects.get(pk=w.user(role, "review").pk).password


# Public by nature: anyone, signed in or not, gets the page (N-4.1.3 publicity, N-5.2 registry,
# N-4.3 published acceptance batches, the sign-up and password pages, captcha images).
PUBLIC: dict[str, Route] = {
    "home": Route(USERS | {ANON}),
    # The load balancer's probes (issue 23): no login, no personal data.
    "healthz": Route(USERS | {ANON}),
    "readyz": Route(USERS | {ANON}, ok=frozenset({200, 503})),  # 503: a probe failed
    "accounts:login": Route(USERS | {ANON}, ok=frozenset({200, 302})),  # signed in: home
    "accounts:logout": Route(USERS | {ANON}, ok=frozenset({405})),  # logging out is a POST
    "accounts:password_reset": Route(USERS | {ANON}),
    "accounts:password_reset_done": Route(USERS | {ANON}),
    "accounts:password_reset_confirm": Route(USERS | {ANON}, args=lambda w: ["MQ", "set-password"]),
    "accounts:password_reset_complete": Route(USERS | {ANON}),
    "institutions:signup": Route(USERS | {ANON}, ok=frozenset({200, 302})),
    "institutions:county_options": Route(USERS | {ANON}, query="?city=440100"),
    "public:notices": Route(USERS | {ANON}),
    "public:notice": Route(USERS | {ANON}, args=obj("notice")),
    # 202 while the worker builds it (documents.built; no task runs inside the world).
    "public:notice_pdf": Route(USERS | {ANON}, args=obj("notice"), ok=frozenset({200, 202})),
    "public:objection_new": Route(USERS | {ANON}, args=obj("notice")),
    # Without an objection just filed in this session: back to the notice.
    "public:objection_done": Route(USERS | {ANON}, args=obj("notice"), ok=frozenset({302})),
    "registry:list": Route(USERS | {ANON}),
    "registry:fields": Route(USERS | {ANON}),
    "registry:csv": Route(USERS | {ANON}),
    "registry:json": Route(USERS | {ANON}),
    "registry:acceptance": Route(USERS | {ANON}),
    # Checking a filing letter one is shown: public; a file posted is compared and never kept
    # (tests/filing/test_verify.py), so there is no change for a POST here to make.
    "verify:search": Route(USERS | {ANON}),
    "verify:letter": Route(USERS | {ANON}, args=lambda w: [w.objects["letter"].verify_code]),
    "verify_short": Route(
        USERS | {ANON}, args=lambda w: [w.objects["letter"].verify_code], ok=frozenset({302})
    ),
    "captcha-image": Route(USERS | {ANON}, args=lambda w: [w.objects["captcha"].hashkey]),
    "captcha-image-2x": Route(USERS | {ANON}, args=lambda w: [w.objects["captcha"].hashkey]),
    # No speech synthesiser is installed: the audio captcha answers 404 to everyone.
    "captcha-audio": Route(
        USERS | {ANON}, args=lambda w: [w.objects["captcha"].hashkey], ok=frozenset({200, 404})
    ),
    "captcha-refresh": Route(USERS | {ANON}, ok=frozenset({200, 404})),  # XHR only
    # Sign-up by e-mail (issue 11): the "check your mailbox" page; a forged activation link
    # answers 400 to everyone.
    "institutions:signup_sent": Route(USERS | {ANON}),
    "institutions:signup_activate": Route(
        USERS | {ANON}, args=lambda w: ["MQ", "set-password"], ok=frozenset({400})
    ),
    # A new activation link, only for the account that has just proved its password on the
    # login page (issue 22): a POST without it goes back to the login page.
    "institutions:signup_resend": Route(USERS | {ANON}, get=False),
    # The public API (issue 13): schema, docs, registry, notices and rounds; "api-root" is
    # django-ninja's 404 placeholder for /api/.
    "api:api-root": Route(USERS | {ANON}, ok=frozenset({404})),
    "api:openapi-json": Route(USERS | {ANON}),
    "api:openapi-view": Route(USERS | {ANON}),
    "api:registry_list": Route(USERS | {ANON}),
    "api:notice_list": Route(USERS | {ANON}),
    "api:notice_detail": Route(USERS | {ANON}, args=obj("notice")),
    "api:round_list": Route(USERS | {ANON}),
    # Sanctions (issue 25 item 4, N-5.2): the public notice and an organization's registry page.
    "sanctions_public:list": Route(USERS | {ANON}),
    "registry:organization": Route(USERS | {ANON}, args=lambda w: [w.case("filed").institution_id]),
    # Complaints (issue 25 item 3, N-5.2): anyone files one about a filed organization; the
    # confirmation without a complaint just filed in this session goes back to its page.
    "complaints_public:new": Route(USERS | {ANON}, args=lambda w: [w.case("filed").institution_id]),
    "complaints_public:done": Route(
        USERS | {ANON}, args=lambda w: [w.case("filed").institution_id], ok=frozenset({302})
    ),
    # Random inspection (issue 25 item 2, N-5.2): published draws, no inspector named.
    "inspections_public:list": Route(USERS | {ANON}),
}

ROUTES: dict[str, Route] = {
    # ---- accounts and the institution's own pages -------------------------------------------
    "accounts:password_change": Route(
        USERS,
        post=lambda w: {
            "old_password": "Test-Pass-2026",
            "new_password1": "Gd-Matrix-9f3k2!",
            "new_password2": "Gd-Matrix-9f3k2!",
        },
        changed=lambda w: [u.password for u in User.objects.order_by("pk")],
    ),
    "accounts:password_change_done": Route(USERS),
    # The second factor (issue 11): a verified session is sent on from the code form; the
    # recovery codes are shown once, right after enrolment, otherwise a redirect.
    "accounts:otp_verify": Route(USERS, ok=frozenset({200, 302})),
    "accounts:otp_setup": Route(USERS),
    "accounts:otp_recovery_codes": Route(USERS, ok=frozenset({302})),
    # The profile and personal API tokens (issue 13): staff only create tokens; a token is
    # revoked only by its holder.
    "accounts:profile": Route(USERS),
    "accounts:token_create": Route(
        allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT),
        get=False,
        post=lambda w: {"name": "数据对接", "scope": "read", "days": "30"},
        changed=count(ApiToken),
    ),
    "accounts:token_revoke": Route(
        allow(CITY),
        get=False,
        args=obj("api_token"),
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: ApiToken.objects.get(pk=w.pk("api_token")).revoked_at,
    ),
    # The staff API takes bearer tokens only: a signed-in session gets 401 and changes nothing
    # (its token rules are tested in tests/api).
    "api:me": Route(allow()),
    "api:case_list": Route(allow()),
    "api:case_detail": Route(allow(), args=case("review")),
    # The to-do list (issue 19) also answers a session: applicants and experts hold no token.
    "api:todo": Route(USERS),
    "api:case_action": Route(
        allow(), get=False, args=lambda w: [w.case("review").pk, "verify"], post=lambda w: {}
    ),
    # The department's and the center's reports (issue 13).
    "reports:index": Route(allow(PROVINCE, DEPARTMENT, ADMIN)),
    "reports:xlsx": Route(allow(PROVINCE, DEPARTMENT, ADMIN)),
    "institutions:profile": Route(APPLICANTS),
    "institutions:profile_edit": Route(APPLICANTS),
    "institutions:member_add": Route(APPLICANTS),
    "institutions:declarations": Route(APPLICANTS),
    # The institution's admin deactivates another of its accounts (issue 22).
    "institutions:member_action": Route(
        allow(OWNER),
        get=False,
        args=lambda w: [_colleague(w).membership.pk, "deactivate_member"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: Membership.objects.filter(
            institution=w.case("review").institution, status="deactivated"
        ).count(),
    ),
    "institutions:declaration_evidence": Route(
        allow(OWNER),
        stage="draft",
        args=lambda w: [w.case("draft").institution.declarations.exclude(evidence=None).first().pk],
    ),
    # Identity changes (issue 21 item 1, N-5.2): an applicant asks; the supervising agency
    # (the city of the institution, or the center) decides.
    "institutions:identity_change_new": Route(
        APPLICANTS,
        stage="filed",
        post=lambda w: {
            "name": "矩阵变更后名称有限公司",
            "category": "leading_enterprise",
            "other_kind": "",
            "city": "440100",
            "county": "440106",
            "address": "广州市天河区变更路 1 号",
            "explanation": "经登记机关核准变更。",
            "evidence": pdf("营业执照.pdf"),
        },
        changed=count(IdentityChange),
    ),
    "institutions:identity_changes": Route(INBOX),
    "institutions:identity_change": Route(
        allow(CITY, PROVINCE),
        stage="passed",
        args=obj("identity_change"),
        post=lambda w: {"action": "approve_identity_change", "confirm": "yes"},
        changed=lambda w: IdentityChange.objects.get(pk=w.pk("identity_change")).status,
    ),
    "institutions:identity_change_evidence": Route(
        allow(CITY, PROVINCE), stage="passed", args=obj("identity_change")
    ),
    "institutions:chain_leaders": Route(
        allow(DEPARTMENT),
        post=lambda w: {
            "uscc": w.case("review").institution.uscc,
            "industry_chain": "新能源汽车产业链",
            "designated_on": "2023-04-01",
            "document": pdf("认定文件.pdf"),
        },
        changed=count(ChainLeaderDesignation),
    ),
    "institutions:chain_leader_document": Route(
        allow(DEPARTMENT, PROVINCE, CITY, OTHER_CITY), args=obj("designation")
    ),
    # ---- the applicant's wizard (a draft of institution A) ------------------------------------
    "applications:list": Route(USERS),
    "applications:new": Route(
        allow(OWNER),
        stage="fresh",
        get=False,
        post=lambda w: {"round": w.case("draft").round_id},
        changed=count(Application),
        reach=allow(OTHER_APPLICANT),  # B already has its application in the round
        when=IN_APPLICATION_PERIOD,
    ),
    "applications:register_expansion": Route(
        INBOX,
        post=lambda w: {
            "uscc": w.case("filed").institution.uscc,
            "round": w.case("filed").round_id,
            "email_file": pdf("申请邮件.pdf"),
        },
        changed=count(Application),
        post_allow=allow(CITY),
        reach=allow(OTHER_CITY, PROVINCE),  # not their jurisdiction: the form refuses
        when=IN_APPLICATION_PERIOD,  # only open rounds take an expansion (issue 21 item 8)
    ),
    "applications:step_institution": Route(allow(OWNER), stage="draft", args=case("draft")),
    "applications:step_occupations": Route(
        allow(OWNER),
        stage="draft",
        args=case("draft"),
        post=lambda w: {"code": "4-01-02-01", "levels": ["5"]},
        changed=lambda w: w.case("draft").occupations.count(),
        when=IN_APPLICATION_PERIOD,
    ),
    "applications:occupation_search": Route(
        allow(OWNER), stage="draft", args=case("draft"), query="?q=焊工"
    ),
    "applications:occupation_remove": Route(
        allow(OWNER),
        stage="draft",
        get=False,
        args=lambda w: [w.case("draft").pk, w.case("draft").occupations.first().pk],
        post=lambda w: {},
        changed=lambda w: w.case("draft").occupations.count(),
    ),
    "applications:occupation_remove_all": Route(
        allow(OWNER),
        stage="draft",
        get=False,
        args=lambda w: [w.case("draft").pk, w.case("draft").occupations.first().occupation_id],
        post=lambda w: {},
        changed=lambda w: w.case("draft").occupations.count(),
    ),
    "applications:step_materials": Route(allow(OWNER), stage="draft", args=case("draft")),
    "applications:material_upload": Route(
        allow(OWNER),
        stage="draft",
        get=False,
        args=lambda w: [w.case("draft").pk, "credit"],
        post=lambda w: {"file": pdf("信用报告.pdf")},
        changed=lambda w: w.case("draft").materials.count(),
    ),
    "applications:material_remove": Route(
        allow(OWNER),
        stage="draft",
        get=False,
        args=lambda w: [w.case("draft").pk, w.case("draft").materials.first().pk],
        post=lambda w: {},
        changed=lambda w: w.case("draft").materials.filter(is_current=True).count(),
    ),
    "applications:step_review": Route(allow(OWNER), stage="draft", args=case("draft")),
    "applications:live_eligibility": Route(  # reads the unsaved form: changes nothing
        allow(OWNER),
        stage="draft",
        get=False,
        args=case("draft"),
        post=lambda w: {"category": "other", "city": "440300"},
        changed=lambda w: w.case("draft").institution.category,
        post_allow=allow(),
        reach=allow(OWNER),
    ),
    # ---- the case (institution A, verified by Guangzhou, assigned to the expert) --------------
    "applications:detail": Route(CASE_READERS, args=case("review")),
    "applications:eligibility": Route(CASE_READERS, args=case("review")),
    "applications:material_download": Route(
        CASE_READERS, args=lambda w: [w.case("review").pk, w.case("review").materials.first().pk]
    ),
    "applications:pdf": Route(CASE_READERS, args=case("review")),
    "applications:action": Route(
        allow(OWNER),
        get=False,
        args=lambda w: [w.case("review").pk, "withdraw"],
        post=lambda w: {"reason": "本机构决定撤回申请", "confirm": "yes"},
        changed=state("review"),
        reach=allow(CITY, DEPARTMENT, EXPERT, ADMIN),  # they see the case; only A withdraws
    ),
    "review_inbox:inbox": Route(INBOX),
    "review_inbox:export": Route(INBOX),
    # The former staff case page: a redirect to the one case page for whoever may read it.
    "review_inbox:case": Route(CASE_READERS, args=case("review"), ok=frozenset({301})),
    "review_inbox:verify": Route(allow(CITY), args=case("review")),
    # A needs_review finding's conclusion (issue 10): only the receiving staff reach it; this
    # case is past submission, so the form's own rule refuses and nothing changes.
    "review_inbox:resolve_finding": Route(
        allow(),
        get=False,
        args=case("review"),
        post=lambda w: {"finding": "N-2.1", "conclusion": "已核实"},
        reach=allow(CITY),
    ),
    "review_inbox:action": Route(
        allow(CITY),
        stage="scored",
        get=False,
        args=lambda w: [w.case("scored").pk, "score_complete"],
        post=lambda w: {},
        changed=state("scored"),
    ),
    # The masked contact shown in full (issue 22): the case's staff readers, audited.
    "review_inbox:reveal_contact": Route(
        allow(CITY, DEPARTMENT, ADMIN),
        get=False,
        args=lambda w: [w.case("review").pk, "contact_phone"],
        post=lambda w: {},
    ),
    "review_inbox:declaration_evidence": Route(
        allow(CITY),
        args=lambda w: [
            w.case("review").pk,
            w.case("review").institution.declarations.exclude(evidence=None).first().pk,
        ],
    ),
    # ---- the city's review: ranking, decisions, panels ---------------------------------------
    "review:ranking": Route(INBOX),
    "review:decide": Route(
        allow(CITY),
        stage="assessed",
        get=False,
        args=case("assessed"),
        post=lambda w: {"decision": "recommend", "reason": "材料齐全，评分靠前", "confirm": "yes"},
        changed=state("assessed"),
    ),
    "review:complete": Route(
        allow(CITY),
        stage="scored",
        get=False,
        args=case("scored"),
        post=lambda w: {},
        changed=state("scored"),
    ),
    "review:send": Route(
        allow(CITY, OTHER_CITY, PROVINCE),
        get=False,
        post=lambda w: {"round": w.case("review").round_id},
        reach=allow(CITY, OTHER_CITY, PROVINCE),  # nothing recommended to send
        post_allow=allow(),
    ),
    "review:summary": Route(INBOX, args=lambda w: ["xlsx"]),
    "review:ranking_export": Route(INBOX, args=lambda w: ["csv"]),
    "review:extend": Route(
        allow(PROVINCE),
        post=lambda w: {
            "agency": w.users[CITY].agency_id,
            "round": w.case("review").round_id,
            "until": "2023-12-31",
            "reason": "系统故障顺延",
        },
        changed=count(DeadlineExtension),
    ),
    "province:overview": Route(allow(PROVINCE)),
    "panels:list": Route(INBOX),
    "panels:add_member": Route(
        allow(CITY),
        get=False,
        args=obj("panel"),
        post=lambda w: {"expert": w.pk("free_expert")},
        changed=count(PanelMember),
    ),
    "panels:remove_member": Route(
        allow(CITY),
        get=False,
        args=obj("panel", "spare_member"),
        post=lambda w: {},
        changed=count(PanelMember),
    ),
    "panels:assign": Route(
        allow(CITY),
        get=False,
        args=obj("panel"),
        post=lambda w: {
            "application": w.pk("unassigned"),
            "experts": [m.expert_id for m in w.objects["panel"].members.all()],
        },
        changed=count(Assignment),
    ),
    "panels:unassign": Route(
        allow(CITY),
        get=False,
        args=obj("panel", "assignment"),
        post=lambda w: {},
        changed=count(Assignment),
    ),
    "panels:reopen": Route(
        allow(CITY),
        stage="scored",
        get=False,
        args=obj("panel", "sheet"),
        post=lambda w: {"reason": "第3项评分与评语不一致"},
        changed=lambda w: Scoresheet.objects.get(pk=w.pk("sheet")).status,
    ),
    # Staff view and print one expert's sheet of their own panel (issue 10).
    "panels:sheet": Route(allow(CITY), stage="scored", args=obj("panel", "sheet")),
    # Each agency's own expert pool (issue 10): adding an expert creates the account.
    "panels:experts": Route(
        INBOX,
        post=lambda w: {
            "full_name": "矩阵新增专家",
            "employer_name": "广州某职业技术学院",
            "employer_uscc": w.case("review").institution.uscc,
            "specialties": ["6"],
            "phone": "13800138000",
            "email": "pool-expert@example.cn",
        },
        changed=count(User),
    ),
    "expert:home": Route(allow(EXPERT, OTHER_EXPERT)),
    "expert:declare": Route(
        allow(EXPERT),
        args=case("review"),
        post=lambda w: {"kind": "none", "note": "与该机构无任何关系"},
        changed=lambda w: list(ConflictDeclaration.objects.values_list("note", flat=True)),
    ),
    "expert:scoresheet": Route(
        allow(EXPERT),
        args=case("review"),
        post=lambda w: (
            {"version": "0", "opinion": "recommend"}
            | {f"score_{code}": "8" for code in SCORING_ITEMS}
        ),
        changed=count(Scoresheet),
    ),
    # ---- the provincial selection ------------------------------------------------------------
    "selection:ranking": Route(allow(PROVINCE)),
    "selection:ranking_export": Route(allow(PROVINCE), args=lambda w: ["xlsx"]),
    "selection:decide": Route(
        allow(PROVINCE),
        stage="province",
        get=False,
        args=case("province"),
        post=lambda w: {"decision": "select", "reason": "省级评审通过", "confirm": "yes"},
        changed=state("province"),
    ),
    "selection:approval": Route(allow(DEPARTMENT)),
    "selection:minutes": Route(allow(DEPARTMENT, PROVINCE), args=obj("decision")),
    "defense:list": Route(allow(PROVINCE)),
    "defense:create": Route(
        allow(PROVINCE),
        get=False,
        post=lambda w: {
            "round": w.case("province").round_id,
            "date": "2023-06-12",
            "start_time": "09:00",
            "place": "省中心303室",
        },
        changed=count(DefenseSession),
        when=BEFORE_DEFENSE,
    ),
    "defense:detail": Route(allow(PROVINCE), args=obj("session")),
    # The center reaches these; with one slot already placed the service refuses the change.
    "defense:add": Route(
        allow(PROVINCE),
        get=False,
        args=obj("other_session"),
        post=lambda w: {"applications": [w.case("province").pk]},
        changed=count(DefenseSlot),
        post_allow=allow(),
        reach=allow(PROVINCE),
    ),
    "defense:renumber": Route(
        allow(PROVINCE),
        get=False,
        args=obj("session"),
        post=lambda w: {f"position-{w.pk('slot')}": "2"},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).position,
        post_allow=allow(),
        reach=allow(PROVINCE),
    ),
    "defense:signin": Route(allow(PROVINCE), args=obj("session")),
    "defense:move": Route(
        allow(PROVINCE),
        get=False,
        args=lambda w: [w.pk("session"), w.pk("slot"), "down"],
        post=lambda w: {},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).position,
        post_allow=allow(),
        reach=allow(PROVINCE),
    ),
    "defense:attendance": Route(
        allow(PROVINCE),
        stage="province",
        get=False,
        args=obj("session", "slot"),
        post=lambda w: {"attendance": "present"},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).state,
        when=DEFENSE_DAY,
    ),
    # The world's slot has no reschedule request: the center gets past the access check and is
    # refused by the workflow (nothing changes); everyone else is refused access.
    "defense:refuse": Route(
        allow(PROVINCE),
        get=False,
        args=obj("session", "slot"),
        post=lambda w: {"reason": "场地已排满"},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).state,
        post_allow=allow(),
        reach=allow(PROVINCE),
    ),
    "defense:transfer": Route(
        allow(PROVINCE),
        stage="province",
        get=False,
        args=obj("session", "slot"),
        post=lambda w: {"target": w.pk("other_session")},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).session_id,
        when=BEFORE_DEFENSE,
    ),
    "defense:respond": Route(
        allow(OWNER),
        stage="province",
        get=False,
        args=obj("slot"),
        post=lambda w: {"answer": "confirm"},
        changed=lambda w: DefenseSlot.objects.get(pk=w.pk("slot")).state,
        when=BEFORE_DEFENSE,
    ),
    # ---- messages --------------------------------------------------------------------------
    "notify:list": Route(USERS),
    "notify:detail": Route(allow(OWNER), args=obj("message")),
    "notify:read_all": Route(
        USERS,
        get=False,
        post=lambda w: {},
        changed=count(Message, read_at__isnull=lambda w: True),
    ),
    # ---- publicity (the provincial center) ---------------------------------------------------
    "publicity:list": Route(allow(PROVINCE)),
    "publicity:new": Route(allow(PROVINCE), query="?round=1"),
    "publicity:notice": Route(allow(PROVINCE), args=obj("notice")),
    "publicity:publish": Route(
        allow(PROVINCE),
        stage="approved",
        get=False,
        args=obj("draft_notice"),
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: PublicityNotice.objects.get(pk=w.pk("draft_notice")).published_at,
        when=BEFORE_START,
    ),
    "publicity:discard": Route(  # a draft left by a preview (issue 22)
        allow(PROVINCE),
        stage="approved",
        get=False,
        args=obj("draft_notice"),
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: PublicityNotice.objects.get(pk=w.pk("draft_notice")).status,
    ),
    "publicity:end": Route(  # the period is over: the notice ends, its case waits (objection)
        allow(PROVINCE),
        stage="publicity",
        get=False,
        args=obj("notice"),
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: PublicityNotice.objects.get(pk=w.pk("notice")).status,
    ),
    "publicity:objections": Route(allow(PROVINCE), args=obj("notice")),
    "publicity:objection": Route(allow(PROVINCE), args=obj("objection")),
    "publicity:objection_action": Route(
        allow(PROVINCE),
        stage="publicity",
        get=False,
        args=lambda w: [w.pk("objection"), "investigate"],
        post=lambda w: {"reason": "已转交调查", "confirm": "yes"},
        changed=lambda w: Objection.objects.get(pk=w.pk("objection")).status,
    ),
    "publicity:evidence": Route(allow(PROVINCE), args=obj("objection")),
    # ---- cultivation -------------------------------------------------------------------------
    "cultivation:commitment": Route(
        allow(OWNER),
        stage="unsigned",
        args=case("unsigned"),
        post=lambda w: {"signed_name": "张三", "agree": "on"},
        changed=count(CommitmentLetter),
        when=IN_CULTIVATION,
    ),
    # The center sees every case in cultivation, whatever route it took (issue 19 item 2).
    "cultivation:commitment_pdf": Route(
        allow(OWNER, CITY, PROVINCE, DEPARTMENT, ADMIN),
        stage="cultivation",
        args=case("cultivation"),
    ),
    "cultivation:bank_queue": Route(allow(PROVINCE)),  # the center's queue of banks (N-4.2)
    "cultivation:training_list": Route(
        INBOX,
        post=lambda w: {"held_on": "2025-05-20", "topic": "考务规范", "place": "广州"},
        changed=count(TrainingSession),
        when=IN_CULTIVATION,  # planned ahead: a session dated in the past is refused
    ),
    "cultivation:training": Route(
        allow(CITY),
        stage="cultivation",
        args=obj("training"),
        post=lambda w: {
            "institution": w.case("cultivation").institution_id,
            "attendee_name": "王考务",
            "attended": "on",
        },
        changed=count(TrainingAttendance),
    ),
    "cultivation:line": Route(allow(OWNER), stage="cultivation", args=obj("line")),
    "cultivation:line_template": Route(
        allow(OWNER), stage="cultivation", args=lambda w: [w.pk("line"), "specification"]
    ),
    # The line's files: its organization, the center and the experts assigned to review it.
    "cultivation:deliverable": Route(
        allow(OWNER, PROVINCE, EXPERT), stage="cultivation", args=obj("line", "deliverable")
    ),
    "cultivation:deliverable_attachment": Route(  # the scan beside a workbook (issue 20)
        allow(OWNER, PROVINCE, EXPERT), stage="cultivation", args=obj("line", "deliverable")
    ),
    "cultivation:bank_check": Route(
        allow(OWNER, PROVINCE, EXPERT), stage="cultivation", args=obj("line", "bank_check")
    ),
    # Expert review of question banks (issue 20 item 4, N-4.2): the center assigns experts;
    # each expert lists its own reviews and fills in its own sheet.
    "cultivation:line_assign": Route(
        allow(PROVINCE),
        stage="cultivation",
        args=obj("line"),
        get=False,
        post=lambda w: {"expert": w.pk("bank_free_expert")},
        changed=count(BankReviewAssignment),
        when=IN_CULTIVATION,
    ),
    "cultivation:bank_reviews": Route(allow(EXPERT, OTHER_EXPERT)),
    "cultivation:bank_review_sheet": Route(
        allow(EXPERT),
        stage="cultivation",
        args=obj("bank_review"),
        post=lambda w: {**FINDINGS, "recommendation": "pass", "action": "submit", "confirm": "yes"},
        changed=lambda w: BankReviewAssignment.objects.get(pk=w.pk("bank_review")).status,
        when=IN_CULTIVATION,
    ),
    # The report of one kind of problem and the annotated workbook: the line's organization and
    # the center (issue 20 item 3); the sample papers with their answers: the reviewers only.
    # The line's assigned bank reviewer reads what the center reads (issue 20 item 4).
    "cultivation:problems": Route(
        allow(OWNER, PROVINCE, EXPERT),
        stage="cultivation",
        args=lambda w: [w.pk("line"), w.pk("theory"), "bad_answer"],
    ),
    "cultivation:annotated": Route(
        allow(OWNER, PROVINCE, EXPERT), stage="cultivation", args=obj("line", "theory")
    ),
    "cultivation:sample_papers": Route(
        allow(PROVINCE), stage="cultivation", args=lambda w: [w.pk("line"), "docx"]
    ),
    "cultivation:line_review": Route(
        allow(PROVINCE),
        stage="cultivation",
        args=obj("line"),
        post=lambda w: {"action": "pass", "reason": "题库符合要求", "confirm": "yes"},
        changed=lambda w: w.objects["line"].__class__.objects.get(pk=w.pk("line")).status,
        when=IN_CULTIVATION,
    ),
    # ---- filing and acceptance batches -------------------------------------------------------
    "filing:download": Route(
        allow(OWNER, CITY, PROVINCE, DEPARTMENT),
        stage="filed",
        args=lambda w: [w.pk("letter"), "pdf"],
    ),
    "filing:batches": Route(
        allow(PROVINCE, DEPARTMENT),
        stage="passed",
        post=lambda w: {
            "round": w.case("passed").round_id,
            "title": "2023年第三批验收",
            "case": [w.case("passed").pk],
        },
        changed=count(LeadershipApproval),
        post_allow=allow(PROVINCE),
        reach=allow(DEPARTMENT),  # the department approves; the center proposes
        when=ISSUE_DAY,
    ),
    "filing:batch": Route(allow(PROVINCE, DEPARTMENT), stage="batch", args=obj("batch")),
    "filing:batch_approve": Route(
        allow(DEPARTMENT),
        stage="batch",
        get=False,
        args=obj("batch"),
        post=lambda w: {
            "decided_on": "2023-11-28",
            "meeting_ref": "厅党组会议2023年第13次",
            "minutes": pdf("纪要.pdf"),
            "approve": [w.case("batch").pk],
        },
        changed=lambda w: LeadershipApproval.objects.get(pk=w.pk("batch")).status,
        when=ISSUE_DAY,
    ),
    "filing:batch_issue": Route(
        allow(PROVINCE),
        get=False,
        args=obj("approved_batch"),
        post=lambda w: {},
        changed=count(FilingLetter),
        when=ISSUE_DAY,
    ),
    "filing:batch_publish": Route(  # its letters are not issued yet: refused by the guard
        allow(PROVINCE),
        get=False,
        args=obj("approved_batch"),
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: LeadershipApproval.objects.get(pk=w.pk("approved_batch")).status,
        post_allow=allow(),
        reach=allow(PROVINCE),
    ),
    "filing:batch_minutes": Route(allow(PROVINCE, DEPARTMENT), args=obj("approved_batch")),
    # Local supervision notes (N-5.2): the organization's city and the province write, the
    # department reads; everyone else gets 404.
    "filing:supervision_list": Route(allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT)),
    "filing:supervision": Route(
        allow(CITY, PROVINCE, DEPARTMENT),
        stage="filed",
        args=lambda w: [w.case("filed").institution_id],
        post=lambda w: {"kind": "inspection", "happened_on": "2023-12-05", "text": "现场检查"},
        changed=count(SupervisionNote),
        post_allow=allow(CITY, PROVINCE),
        when=ISSUE_DAY + timedelta(days=10),
    ),
    # Assessment plans (issue 25, N-5.2): the organization, its local agency (Guangzhou), the
    # department reading, and the drawn supervisor (the assigned expert); everyone else 404.
    "supervision:plans": Route(APPLICANTS),
    "supervision:plan_new": Route(
        APPLICANTS,
        stage="filed",
        post=lambda w: {
            "line": w.objects["plan"].line_id,
            "starts_on": "2024-03-10",
            "ends_on": "2024-03-11",
            "site": "广州市考点",
            "expected_candidates": "20",
            "examiners_text": "李考评",
        },
        changed=count(AssessmentPlan),
        post_allow=allow(OWNER),
        reach=allow(OTHER_APPLICANT),  # not its filed line: the form refuses
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "supervision:plan": Route(
        allow(OWNER, CITY, DEPARTMENT, EXPERT), stage="filed", args=obj("plan")
    ),
    "supervision:plan_edit": Route(  # only a returned plan is edited: back to the plan
        allow(OWNER), stage="filed", args=obj("plan"), ok=frozenset({302})
    ),
    "supervision:plan_results": Route(
        allow(OWNER),
        stage="filed",
        get=False,
        args=obj("plan"),
        post=lambda w: {
            "candidates": "1",
            "passed": "1",
            "certificates": "1",
            "roster": SimpleUploadedFile(
                "名册.xlsx", sample_xlsx([("张三", "11010519491231002X", "合格", "Z1")])
            ),
        },
        changed=lambda w: AssessmentPlan.objects.get(pk=w.pk("plan")).status,
        when=datetime(2024, 1, 10, 10, tzinfo=SH),
    ),
    "supervision:plan_report": Route(  # no results yet: the engine refuses the report
        allow(EXPERT),
        stage="filed",
        get=False,
        args=obj("plan"),
        post=lambda w: {"on_time": "yes", "procedures_followed": "yes"},
        changed=lambda w: AssessmentPlan.objects.get(pk=w.pk("plan")).status,
        post_allow=allow(),
        reach=allow(EXPERT),
    ),
    "supervision:roster": Route(  # no roster yet: back to the plan
        allow(OWNER, CITY, DEPARTMENT), stage="filed", args=obj("plan"), ok=frozenset({302})
    ),
    "supervision:plan_action": Route(
        allow(CITY),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("submitted_plan"), "accept_plan"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: AssessmentPlan.objects.get(pk=w.pk("submitted_plan")).status,
        when=datetime(2023, 12, 10, 10, tzinfo=SH),
    ),
    "supervision:agency_plans": Route(allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT)),
    "supervision:supervisor_plans": Route(allow(EXPERT, OTHER_EXPERT)),
    # Sanctions (issue 25 item 4, N-5.2): drafted by the organization's local agency (Guangzhou),
    # reviewed by the center, approved by the department; the organization reads effective ones;
    # another city, experts, other applicants and anonymous users are refused.
    # Random inspection (issue 25 item 2, N-5.2): the center draws and publishes; the department
    # reads every draw; city staff read published draws (their city's rows only); an expert
    # reads the published draws it inspects in; applicants, admin and anonymous are refused.
    "supervision:draws": Route(
        allow(PROVINCE, DEPARTMENT, CITY, OTHER_CITY, EXPERT, OTHER_EXPERT),
        post=lambda w: {"year": 2024, "share": 100, "seed": 5, "confirm": "yes"},
        changed=count(InspectionDraw),
        post_allow=allow(PROVINCE),
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "supervision:draw": Route(
        allow(PROVINCE, DEPARTMENT, CITY, OTHER_CITY, OTHER_EXPERT), args=obj("published_draw")
    ),
    "supervision:draw_action": Route(
        allow(PROVINCE),
        get=False,
        args=lambda w: [w.pk("draft_draw"), "publish_draw"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: InspectionDraw.objects.get(pk=w.pk("draft_draw")).status,
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    # One inspection's page (issue 25 item 2, N-5.2): its inspector (OTHER_EXPERT), the
    # organization (OWNER of "filed"), its city, the center and the department read it; another
    # organization, another city, an expert not inspecting it, admin and anonymous are refused.
    "supervision:inspection": Route(
        allow(OWNER, CITY, PROVINCE, DEPARTMENT, OTHER_EXPERT),
        stage="filed",
        args=obj("inspection"),
    ),
    "supervision:inspection_file": Route(
        allow(OWNER, CITY, PROVINCE, DEPARTMENT, OTHER_EXPERT),
        stage="filed",
        args=obj("inspection", "inspection_file"),
    ),
    "supervision:inspection_finding": Route(
        allow(OTHER_EXPERT),
        stage="filed",
        get=False,
        args=obj("inspection"),
        post=lambda w: {"category": "procedure", "description": "考务记录不全"},
        changed=count(InspectionFinding),
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "supervision:inspection_action": Route(
        allow(OTHER_EXPERT),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("inspection"), "order_rectification"],
        post=lambda w: {"rectify_by": "2024-04-30"},
        changed=lambda w: Inspection.objects.get(pk=w.pk("inspection")).status,
        reach=allow(OWNER, CITY, PROVINCE, DEPARTMENT),  # they read it; the engine refuses
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "sanctions:list": Route(allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT)),
    "sanctions:new": Route(
        allow(CITY, OTHER_CITY, PROVINCE),
        stage="filed",
        post=lambda w: {
            "institution": w.case("filed").institution_id,
            "kind": "warning",
            "facts": "未按规定组织认定",
            "clause": "N-5.2",
            "evidence": "检查记录",
        },
        changed=count(Sanction),
        post_allow=allow(CITY),
        reach=allow(OTHER_CITY, PROVINCE),  # not an organization they supervise: the form refuses
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "sanctions:detail": Route(
        allow(OWNER, CITY, PROVINCE, DEPARTMENT), stage="filed", args=obj("sanction_warning")
    ),
    "sanctions:file": Route(
        allow(CITY, PROVINCE, DEPARTMENT),
        stage="filed",
        args=lambda w: [w.pk("sanction_warning"), "evidence"],
    ),
    "sanctions:action": Route(
        allow(CITY),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("sanction_draft"), "submit_sanction"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: Sanction.objects.get(pk=w.pk("sanction_draft")).status,
        reach=allow(PROVINCE, DEPARTMENT),  # they read the draft; only its city submits it
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    "sanctions:approve": Route(
        allow(DEPARTMENT),
        stage="filed",
        get=False,
        args=obj("sanction_pending"),
        post=lambda w: {
            "decided_on": "2024-02-28",
            "meeting_ref": "领导小组2024年第2次会议",
            "minutes": pdf("纪要.pdf"),
            "confirm": "yes",
        },
        changed=lambda w: Sanction.objects.get(pk=w.pk("sanction_pending")).status,
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    # Renewal (issue 25 item 6, N-5.2): the organization applies and resubmits, its local
    # agency (Guangzhou) accepts, returns and urges, the department reads; another city, the
    # center (not this one's local agency), experts and anonymous users are refused.
    "renewal:list": Route(allow(OWNER, OTHER_APPLICANT, CITY, OTHER_CITY, PROVINCE, DEPARTMENT)),
    "renewal:new": Route(
        APPLICANTS,
        stage="filed",
        post=lambda w: {"statement": "申请延续"},
        changed=count(Renewal),
        post_allow=allow(),
        # The owner has a renewal open already, the other applicant no filing: both refused.
        reach=APPLICANTS,
    ),
    "renewal:detail": Route(allow(OWNER, CITY, DEPARTMENT), stage="filed", args=obj("renewal")),
    "renewal:action": Route(
        allow(OWNER),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("renewal"), "resubmit_renewal"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: Renewal.objects.get(pk=w.pk("renewal")).status,
        reach=allow(CITY),  # it reads the renewal; only the organization resubmits it
    ),
    "renewal:urge": Route(
        allow(CITY),
        stage="filed",
        get=False,
        args=lambda w: [w.objects["letter"].pk],
        post=lambda w: {"confirm": "yes"},
    ),
    # Complaints (issue 25 item 3, N-5.2): the organization's local agency (Guangzhou) handles
    # them, the department reads them; another city, the center (not this one's local agency),
    # experts, the organization itself and anonymous users are refused.
    "complaints:list": Route(allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT)),
    "complaints:detail": Route(allow(CITY, DEPARTMENT), stage="filed", args=obj("complaint")),
    "complaints:evidence": Route(allow(CITY, DEPARTMENT), stage="filed", args=obj("complaint")),
    "complaints:action": Route(
        allow(CITY),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("complaint"), "investigate_complaint"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: Complaint.objects.get(pk=w.pk("complaint")).status,
        when=datetime(2024, 3, 1, 10, tzinfo=SH),
    ),
    # Annual reports (issue 25 item 7, N-5.2): the organization writes its own; its local agency
    # (Guangzhou) decides, the department reads; every agency sees its own overview; another
    # institution (not filed: no year owed), another city, the center, experts and anonymous
    # users are refused the report.
    "annual:mine": Route(APPLICANTS),
    "annual:year": Route(
        allow(OWNER),
        stage="filed",
        args=lambda w: [2024],
        post=lambda w: {
            "quality_measures": "严格执行考评人员回避制度，每次认定均安排内部督导。",
            "examiners_on_staff": "3",
            "action": "save",
        },
        changed=count(AnnualReport),
    ),
    "annual:report": Route(
        allow(OWNER, CITY, DEPARTMENT), stage="filed", args=obj("annual_report")
    ),
    "annual:action": Route(
        allow(CITY),
        stage="filed",
        get=False,
        args=lambda w: [w.pk("annual_report"), "accept_annual_report"],
        post=lambda w: {"confirm": "yes"},
        changed=lambda w: AnnualReport.objects.get(pk=w.pk("annual_report")).status,
    ),
    "annual:agency": Route(allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT), query="?year=2023"),
    "annual:export": Route(
        allow(CITY, OTHER_CITY, PROVINCE, DEPARTMENT), args=lambda w: ["csv"], query="?year=2023"
    ),
}

ALL = PUBLIC | ROUTES


def _unclassified_message(missing: set[str]) -> str:
    lines = [
        "These named routes have no access policy. Add one line per route to ROUTES in "
        "tests/test_access_matrix.py (or to PUBLIC if anyone may see it), e.g.:"
    ]
    for name in sorted(missing):
        lines.append(f'    "{name}": Route(allow(...roles let in...), args=lambda w: [...]),')
    return "\n".join(lines)


def test_every_named_route_has_a_policy():
    missing = named_routes() - set(ALL)
    assert not missing, _unclassified_message(missing)
    stale = set(ALL) - named_routes()
    assert not stale, f"Policies for routes that no longer exist: {sorted(stale)}"


def test_a_new_route_without_a_policy_is_noticed_and_the_message_says_what_to_add(settings):
    settings.ROOT_URLCONF = "tests.access.extra_urls"
    missing = named_routes() - set(ALL)
    assert missing == {"brand_new_page"}
    assert '"brand_new_page": Route(allow(' in _unclassified_message(missing)


# ---- the seeded world, once per module -------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    storage = tmp_path_factory.mktemp("matrix-private")
    with (
        django_db_blocker.unblock(),
        override_settings(**_storage_settings(storage)),
        transaction.atomic(),
    ):
        built = build_world()
        yield built
        transaction.set_rollback(True)


def _storage_settings(storage) -> dict:
    return {
        "STORAGES": {
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(storage)},
            },
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            },
        },
        "MEDIA_ROOT": storage,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    }


@pytest.fixture(autouse=True)
def _private_storage(world, monkeypatch):
    """Overrides the conftest's per-test storage: the world's files live in the module's."""
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    cache.clear()
    yield
    cache.clear()


def _client_for(client, world: World, role: str, route: Route):
    user = world.user(role, route.stage)
    if user is not None:
        client.force_login(user)
    return client


# ---- GET: every route × every role -----------------------------------------------------------


@pytest.mark.parametrize(("name", "role"), roles_of(ALL))
def test_get(client, world, name, role):
    route = ALL[name]
    _client_for(client, world, role, route)
    before = audit_length()
    response = client.get(route.url(world, name))
    if route.get and role in route.allow:
        assert_let_in(response, route, role)
        return
    assert_refused(response, role)
    assert audit_length() == before, f"{role}'s refused request left an audit event"


# ---- POST with a body that would change something ---------------------------------------------


@pytest.mark.parametrize(("name", "role"), post_cases(ALL))
def test_post(client, world, name, role):
    route = ALL[name]
    _client_for(client, world, role, route)
    before = (audit_length(), route.changed(world) if route.changed else None)
    with _clock(route.when):
        response = client.post(route.url(world, name), route.post(world))
    after = (audit_length(), route.changed(world) if route.changed else None)
    if role in route.posters():
        assert response.status_code in {200, 302}, response.status_code
        assert not is_login_redirect(response), f"{role} was sent to log in"
        worked = after[1] != before[1] if route.changed else after[0] > before[0]
        assert worked, (
            f"{role}'s POST changed nothing: {response.status_code} {_messages(response)}"
        )
        return
    if role in route.reach:
        assert after == before, f"{role}'s POST changed something"
        return
    assert_refused(response, role, post=True)
    assert after == before, f"{role}'s refused POST changed something"


def _clock(when: datetime | None):
    return time_machine.travel(when, tick=False) if when else contextlib.nullcontext()


def _messages(response) -> str:
    return "; ".join(str(m) for m in get_messages(response.wsgi_request))


# ---- lists never show the case to an outsider ------------------------------------------------

LISTS = ["applications:list", "review_inbox:inbox", "review:ranking", "expert:home"]


@pytest.mark.parametrize("role", [OTHER_APPLICANT, OTHER_CITY, OTHER_EXPERT])
def test_outsiders_lists_do_not_show_the_case(client, world, role):
    client.force_login(world.users[role])
    for name in LISTS:
        body = client.get(reverse(name)).content.decode()
        assert world.case("review").institution.name not in body, (role, name)


def test_the_matrix_is_the_size_the_report_says():
    f = figures(ALL)
    assert f.routes == len(named_routes())
    assert f.gets == len(ALL) * len(ROLES)
