"""Institution sign-up, profile, members and N-2.4.2 declarations (pages)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import ric

from evalorg.accounts.models import Role, User
from evalorg.core.models import AuditEvent, StoredFile
from evalorg.institutions.masking import mask_id_number, mask_phone
from evalorg.institutions.models import (
    ExclusionDeclaration,
    ExclusionItem,
    Institution,
    Membership,
)
from tests.factories import (
    MINIMAL_PDF,
    ApplicantFactory,
    CityStaffFactory,
    InstitutionFactory,
    UserFactory,
    make_uscc,
)

pytestmark = pytest.mark.django_db

SIGNUP = reverse("institutions:signup")
PROFILE = reverse("institutions:profile")
SIGNUP_SENT = reverse("institutions:signup_sent")
PROFILE_EDIT = reverse("institutions:profile_edit")
MEMBER_ADD = reverse("institutions:member_add")
DECLARATIONS = reverse("institutions:declarations")


def valid_id(body: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    return body + ric.calc_check_digit(body + "0")


ID_NUMBER = valid_id("44010219900101123")
MASKED_ID = "440102********" + ID_NUMBER[-4:]
STRONG_PASSWORD = "Kapok-Tree-2026"
PDF_BYTES = MINIMAL_PDF
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "gz_newcomer",
        "full_name": "王新",
        "email": "wangxin@example.cn",
        "phone": "13812345678",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "name": "广州木棉技能培训有限公司",
        "uscc": make_uscc(division="440106", serial=900001),
        "category": "leading_enterprise",
        "other_kind": "",
        "level": "municipal",
        "city": "440100",
        "county": "440106",
        "address": "广州市天河区天河路 1 号",
        "legal_rep_name": "李法人",
        "legal_rep_id_number": ID_NUMBER,
        "contact_name": "王新",
        "contact_phone": "020-12345678",
        "contact_email": "contact@example.cn",
        "recommending_authority": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Institution.objects.count(), Membership.objects.count()


def declaration_data(**overrides: str) -> dict[str, object]:
    data: dict[str, object] = {}
    for item in ExclusionItem:
        data[f"{item.value}_applies"] = "0"
        data[f"{item.value}_explanation"] = ""
    data.update(overrides)
    return data


@pytest.fixture
def applicant(client):
    user = ApplicantFactory(
        phone="13912345678",
        institution=InstitutionFactory(legal_rep_name="李法人", legal_rep_id_number=ID_NUMBER),
    )
    client.force_login(user)
    return user


# ---- sign-up --------------------------------------------------------------------------------


def activation_link(message) -> str:
    return re.search(r"https?://[^/]+(/institution/signup/activate/\S+)", message.body).group(1)


def signup_post(client, data: dict[str, str]):
    """POST the sign-up form and run what its commit starts: the outbox's delivery task, which
    hands the activation e-mail to the mail backend (rolled-back tests run no on-commit work)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(SIGNUP, data)


def signup_and_activate(client, data: dict[str, str]):
    """Sign up, open the e-mailed link and press the button (follows to the profile)."""
    from django.core import mail

    response = signup_post(client, data)
    assert response["Location"] == SIGNUP_SENT
    link = activation_link(mail.outbox[-1])
    return client.post(link, follow=True)


def test_signup_creates_one_inactive_user_institution_membership_and_audits(client):
    from django.core import mail

    before = counts()
    uscc = signup_data()["uscc"]
    response = signup_post(client, signup_data(uscc=f" {uscc.lower()} ", is_chain_leader="on"))
    assert response.status_code == 302 and response["Location"] == SIGNUP_SENT
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    user = User.objects.get(username="gz_newcomer")
    institution = user.membership.institution
    assert user.role == Role.APPLICANT and user.check_password(STRONG_PASSWORD)
    assert not user.is_active  # until the e-mailed link is opened
    assert institution.uscc == uscc and institution.county_id == "440106"  # normalized
    assert institution.is_chain_leader is False  # never settable by the applicant
    registered = AuditEvent.objects.for_object(institution).get(action="institution_registered")
    assert registered.actor_id == user.pk and ID_NUMBER not in str(registered.data)
    assert AuditEvent.objects.for_object(user).filter(action="user_registered").exists()
    (message,) = mail.outbox
    assert message.to == [user.email] and "激活" in message.subject
    # through the outbox (retried and recorded like every e-mail), delivered after the commit
    from evalorg.notify.models import OutboundEmail

    sent = OutboundEmail.objects.get(to=[user.email])
    assert sent.status == OutboundEmail.Status.SENT and sent.subject == message.subject
    assert client.get(PROFILE).status_code == 302  # not logged in yet
    link = activation_link(message)
    assert "激活并登录" in client.get(link).content.decode()  # GET activates nothing
    user.refresh_from_db()
    assert not user.is_active
    page = client.post(link, follow=True)
    assert page.status_code == 200 and "注册成功" in page.content.decode()
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.for_object(user).filter(action="signup_activated").exists()
    client.logout()
    assert client.post(link).status_code == 400  # a link works once


def test_signup_answers_the_same_when_the_username_or_uscc_is_taken(client):
    """No existence oracle: the page is the same, only the owner's mailbox learns why."""
    from django.core import mail

    existing = InstitutionFactory(uscc=make_uscc(division="440106", serial=900002))
    taken_user = UserFactory(username="gz_taken")
    fresh = signup_post(client, signup_data())
    before = counts()
    by_uscc = signup_post(client, signup_data(username="gz_other", uscc=existing.uscc))
    by_name = signup_post(
        client, signup_data(username=taken_user.username, uscc=make_uscc(serial=900003))
    )
    assert counts() == before
    for response in (by_uscc, by_name):
        assert (response.status_code, response["Location"]) == (
            fresh.status_code,
            fresh["Location"],
        )
    taken_mails = [m for m in mail.outbox if "已在系统中注册" in m.body]
    assert len(taken_mails) == 2 and all(m.to == ["wangxin@example.cn"] for m in taken_mails)


def test_signup_bad_checksum_rerenders_with_message_and_keeps_values(client):
    good = signup_data()["uscc"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = counts()
    response = signup_post(client, signup_data(uscc=bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert "统一社会信用代码校验位不正确" in html and "N-2.1" in html
    assert 'value="广州木棉技能培训有限公司"' in html and f'value="{bad}"' in html
    assert STRONG_PASSWORD not in html  # passwords are not echoed back
    assert counts() == before
    assert not AuditEvent.objects.filter(action="institution_registered").exists()


def test_signup_weak_password_is_refused_in_chinese(client):
    before = counts()
    response = signup_post(client, signup_data(password1="12345678", password2="12345678"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "密码太短，至少需要 10 个字符" in html and "密码只包含数字" in html
    assert "This password" not in html
    assert counts() == before


def test_signup_password_mismatch_is_refused(client):
    response = signup_post(client, signup_data(password2=STRONG_PASSWORD + "x"))
    assert response.status_code == 400 and "两次输入的密码不一致" in response.content.decode()


def test_signup_county_outside_city_is_refused(client):
    before = counts()
    response = signup_post(client, signup_data(county="440305"))  # 南山区 is in 深圳市
    assert response.status_code == 400
    assert "所选区县不属于广州市" in response.content.decode()
    assert counts() == before


def test_signup_invalid_id_number_and_other_kind_rules(client):
    response = client.post(
        SIGNUP,
        signup_data(legal_rep_id_number=ID_NUMBER[:-1] + "0", category="other"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "法定代表人身份证号码不正确" in html and "请选择其他机构类型" in html


def test_county_options_lists_only_the_citys_counties(client):
    response = client.get(reverse("institutions:county_options"), {"city": "440300"})
    html = response.content.decode()
    assert "南山区" in html and "天河区" not in html


# ---- access ---------------------------------------------------------------------------------

APPLICANT_URLS = [PROFILE, PROFILE_EDIT, MEMBER_ADD, DECLARATIONS]


@pytest.mark.parametrize("url", APPLICANT_URLS)
def test_anonymous_is_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", APPLICANT_URLS)
def test_city_staff_gets_403(client, url):
    client.force_login(CityStaffFactory())
    assert client.get(url).status_code == 403


def test_applicant_without_membership_gets_403(client):
    client.force_login(UserFactory(role=Role.APPLICANT))
    assert client.get(PROFILE).status_code == 403


def test_nav_shows_institution_item_to_applicants(client, applicant):
    assert f'href="{PROFILE}">机构信息</a>' in client.get(PROFILE).content.decode()


# ---- profile --------------------------------------------------------------------------------


def test_profile_shows_derived_facts_and_needs_review_when_city_differs(client):
    institution = InstitutionFactory(
        uscc=make_uscc(division="440305", serial=900003), city_id="440100", county_id="440106"
    )
    client.force_login(ApplicantFactory(institution=institution))
    html = client.get(PROFILE).content.decode()
    assert 'data-testid="derived-city">深圳市' in html
    assert 'data-testid="uscc-warning"' in html and "需人工核查（N-2.1）" in html


def test_profile_has_no_warning_when_cities_match(client, applicant):
    html = client.get(PROFILE).content.decode()
    assert 'data-testid="derived-city">广州市' in html
    assert 'data-testid="uscc-warning"' not in html


def test_id_number_unmasked_on_profile_masked_elsewhere(client, applicant):
    profile = client.get(PROFILE).content.decode()
    assert ID_NUMBER in profile
    assert "139****5678" in profile and "13912345678" not in profile  # members list
    for url in [MEMBER_ADD, DECLARATIONS, PROFILE_EDIT]:
        html = client.get(url).content.decode()
        assert ID_NUMBER not in html, url
        assert MASKED_ID in html, url
        assert "13912345678" not in html, url


def members_page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [PROFILE, MEMBER_ADD])
def test_members_list_query_count_is_constant(client, applicant, django_assert_num_queries, url):
    institution = applicant.membership.institution
    client.get(url)  # warm caches (content types, sessions)
    with_one = members_page_queries(client, url)
    for _ in range(9):
        ApplicantFactory(institution=institution, phone="13700001111")
    with django_assert_num_queries(with_one):
        response = client.get(url)
    assert response.content.decode().count("137****1111") == 9


def test_profile_edit_saves_audits_names_only_and_keeps_chain_leader(client, applicant):
    institution = applicant.membership.institution
    new_id = valid_id("44010619851212001")
    data = signup_data(uscc=institution.uscc, name="广州新名称有限公司")
    data.update(legal_rep_id_number=new_id, is_chain_leader="on")
    response = client.post(PROFILE_EDIT, data)
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "广州新名称有限公司" and institution.legal_rep_id_number == new_id
    assert institution.is_chain_leader is False
    event = AuditEvent.objects.for_object(institution).get(action="institution_updated")
    assert "name" in event.data["changed"] and "legal_rep_id_number" in event.data["changed"]
    assert new_id not in str(event.data) and ID_NUMBER not in str(event.data)


def test_profile_edit_blank_id_number_keeps_it_and_bad_uscc_is_refused(client, applicant):
    institution = applicant.membership.institution
    data = signup_data(uscc=institution.uscc, legal_rep_id_number="")
    assert client.post(PROFILE_EDIT, data).status_code == 302
    institution.refresh_from_db()
    assert institution.legal_rep_id_number == ID_NUMBER
    other = InstitutionFactory()
    response = client.post(PROFILE_EDIT, {**data, "uscc": other.uscc})
    assert response.status_code == 400
    assert "统一社会信用代码注册后不能更改" in response.content.decode()
    institution.refresh_from_db()
    assert institution.uscc != other.uscc


# ---- members --------------------------------------------------------------------------------


def test_member_add_creates_account_in_same_institution(client, applicant):
    response = client.post(
        MEMBER_ADD,
        {
            "username": "gz_colleague",  # ignored: the system gives the username
            "full_name": "赵同事",
            "email": "zhao@example.cn",
            "phone": "",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    institution = applicant.membership.institution
    colleague = User.objects.get(full_name="赵同事")
    assert colleague.username == f"u{institution.uscc[-8:].lower()}_02"
    assert colleague.role == Role.APPLICANT
    assert colleague.membership.institution == institution
    assert AuditEvent.objects.for_object(institution).filter(action="member_added").exists()
    assert not User.objects.filter(username="gz_colleague").exists()


def test_member_add_names_no_username_and_skips_taken_ones(client, applicant):
    """No oracle (issue 21 item 6): the form has no username to test; a candidate someone
    else took is skipped silently."""
    institution = applicant.membership.institution
    assert 'name="username"' not in client.get(MEMBER_ADD).content.decode()
    squatter = UserFactory(username=f"u{institution.uscc[-8:].lower()}_02")
    data = {
        "full_name": "钱同事",
        "email": "qian@example.cn",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    response = client.post(MEMBER_ADD, data)
    assert response.status_code == 302
    colleague = User.objects.get(full_name="钱同事")
    assert colleague.username.endswith("_03") and colleague.pk != squatter.pk


# ---- N-2.4.2 declarations -------------------------------------------------------------------


def test_declaration_yes_without_explanation_is_refused(client, applicant):
    response = client.post(DECLARATIONS, declaration_data(violation_applies="1"))
    assert response.status_code == 400
    assert "选择“是”时须说明具体情况（N-2.4.2）" in response.content.decode()
    assert not ExclusionDeclaration.objects.exists()


def test_declaration_answer_is_required(client, applicant):
    data = declaration_data()
    del data["abnormal_operation_applies"]
    response = client.post(DECLARATIONS, data)
    assert response.status_code == 400 and "请选择“是”或“否”" in response.content.decode()
    assert not ExclusionDeclaration.objects.exists()


def test_declarations_saved_with_evidence_and_downloadable(client, applicant):
    data = declaration_data(
        annual_inspection_applies="1",
        annual_inspection_explanation="2022 年年审基本合格，已整改。",
        annual_inspection_evidence=SimpleUploadedFile("年审结论.pdf", PDF_BYTES),
    )
    response = client.post(DECLARATIONS, data)
    assert response.status_code == 302
    institution = applicant.membership.institution
    rows = {d.item: d for d in institution.declarations.all()}
    assert len(rows) == 4 and rows["annual_inspection"].applies is True
    assert rows["violation"].applies is False and rows["annual_inspection"].evidence
    assert AuditEvent.objects.for_object(institution).filter(action="declarations_saved").exists()
    page = client.get(DECLARATIONS).content.decode()
    url = reverse("institutions:declaration_evidence", args=[rows["annual_inspection"].pk])
    assert url in page and "年审结论.pdf" in page
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    # Saving again upserts: still four rows, the evidence stays.
    assert client.post(DECLARATIONS, declaration_data()).status_code == 302
    assert institution.declarations.count() == 4
    assert institution.declarations.get(item="annual_inspection").evidence_id is not None


def test_exe_renamed_pdf_is_refused_and_nothing_is_saved(client, applicant):
    data = declaration_data(
        violation_applies="1",
        violation_explanation="2021 年曾被约谈，已整改完毕。",
        violation_evidence=SimpleUploadedFile("整改报告.pdf", PDF_BYTES),
        illegal_organization_evidence=SimpleUploadedFile("证明.pdf", EXE_BYTES),
    )
    response = client.post(DECLARATIONS, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "文件“证明.pdf”的实际类型不是允许的类型" in html
    assert "2021 年曾被约谈，已整改完毕。" in html  # other answers kept
    assert re.search(r'<input[^>]*name="violation_applies" value="1"[^>]*checked', html)
    assert not ExclusionDeclaration.objects.exists()
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="declarations_saved").exists()
    # The good PDF stored before the refusal was removed with the rolled-back row.
    assert not [p for p in Path(default_storage.location).rglob("*") if p.is_file()]


def test_evidence_of_another_institution_is_404(client, applicant):
    other = ApplicantFactory()
    client.force_login(other)
    client.post(
        DECLARATIONS,
        declaration_data(violation_evidence=SimpleUploadedFile("a.pdf", PDF_BYTES)),
    )
    foreign = ExclusionDeclaration.objects.get(
        institution=other.membership.institution, item="violation"
    )
    client.force_login(applicant)
    url = reverse("institutions:declaration_evidence", args=[foreign.pk])
    assert client.get(url).status_code == 404


# ---- masking --------------------------------------------------------------------------------


def test_masking():
    assert mask_id_number("440102199001011234") == "440102********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_phone("123") == "***"


def test_a_government_body_code_is_warned_at_sign_up(client):
    uscc = make_uscc(prefix="11", division="440106", serial=900002)
    response = signup_and_activate(client, signup_data(uscc=uscc))
    page = response.content.decode()
    assert response.status_code == 200 and "N-2.4.1" in page
    assert page.count("机关（11）") == 1  # once: the profile's warning, no second message
    # and it stays visible on the profile until the code is corrected
    assert "机关（11）" in client.get(reverse("institutions:profile")).content.decode()


def test_an_enterprise_code_gets_no_government_warning(client):
    response = signup_and_activate(client, signup_data())
    assert "机关（11）" not in response.content.decode()


# ---- sign-ups never activated give up their username and USCC -------------------------------


def _later(days: float):
    import time_machine

    from evalorg.core import clock

    return time_machine.travel(clock.now() + timedelta(days=days), tick=False)


def test_a_signup_never_activated_in_time_releases_its_username_and_uscc(client):
    """The activation link is valid PASSWORD_RESET_TIMEOUT (3 days): after that the next
    sign-up asking for the same username and USCC replaces the stale one, audited."""
    from django.core import mail

    signup_post(client, signup_data())
    stale = User.objects.get(username="gz_newcomer")
    old_institution = stale.membership.institution
    old_link = activation_link(mail.outbox[-1])
    with _later(3.1):
        response = signup_post(client, signup_data(email="second@example.cn", full_name="赵二"))
        assert response["Location"] == SIGNUP_SENT
    new = User.objects.get(username="gz_newcomer")
    assert new.pk != stale.pk and new.email == "second@example.cn" and not new.is_active
    assert new.membership.institution.uscc == signup_data()["uscc"]
    assert not Institution.objects.filter(pk=old_institution.pk).exists()
    stale.refresh_from_db()
    assert stale.username == f"expired-signup-{stale.pk}-gz_newcomer"
    assert not stale.is_active and not stale.has_usable_password()
    event = AuditEvent.objects.for_object(stale).get(action="signup_expired")
    assert event.actor_label == "系统"
    assert event.data == {"username": "gz_newcomer", "released_uscc": [signup_data()["uscc"]]}
    assert "已在系统中注册" not in mail.outbox[-1].body  # an activation link this time
    assert client.post(old_link).status_code == 400
    page = client.post(activation_link(mail.outbox[-1]), follow=True)
    assert "注册成功" in page.content.decode()


def test_a_signup_still_within_its_link_s_validity_keeps_them(client):
    from django.core import mail

    signup_post(client, signup_data())
    before = counts()
    with _later(2.9):
        signup_post(client, signup_data(email="second@example.cn"))
    assert counts() == before
    assert "已在系统中注册" in mail.outbox[-1].body
    assert not AuditEvent.objects.filter(action="signup_expired").exists()


def test_an_activated_account_keeps_them_for_ever(client):
    from django.core import mail

    signup_and_activate(client, signup_data())
    client.logout()
    before = counts()
    with _later(30):
        by_name = signup_post(client, signup_data(uscc=make_uscc(serial=900004)))
        by_uscc = signup_post(client, signup_data(username="gz_other"))
    assert by_name["Location"] == by_uscc["Location"] == SIGNUP_SENT
    assert counts() == before
    assert User.objects.get(username="gz_newcomer").is_active
    assert ["已在系统中注册" in m.body for m in mail.outbox[-2:]] == [True, True]
    assert not AuditEvent.objects.filter(action="signup_expired").exists()


def test_signup_hashes_the_password_whether_or_not_the_name_is_taken(client, monkeypatch):
    """Comparable work either way (issue 21 item 6): the probe timed 0.11 s for a taken
    username against 0.91 s for a new one, the password hash making the difference."""
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher("default"))
    hashed: list[str] = []
    encode = hasher.encode
    monkeypatch.setattr(
        hasher,
        "encode",
        lambda self, pw, salt, *a, **k: hashed.append(pw) or encode(self, pw, salt, *a, **k),
    )
    taken = UserFactory(username="gz_taken2")
    hashed.clear()
    signup_post(client, signup_data(username=taken.username, uscc=make_uscc(serial=900004)))
    assert hashed == [STRONG_PASSWORD]
    signup_post(client, signup_data(username="gz_fresh2", uscc=make_uscc(serial=900005)))
    assert hashed == [STRONG_PASSWORD, STRONG_PASSWORD]
