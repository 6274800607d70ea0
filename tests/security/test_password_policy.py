"""Password policy (issue 21 item 5, ASVS V6.2, MLPS 身份鉴别 a): the 21 weak patterns of the
probe are refused, the account's own words and the site's are refused, staff need 12
characters; the demo password is refused for people but still set by the demo loader."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from evalorg.accounts.demo import DEMO_PASSWORD
from evalorg.accounts.models import Role, User
from tests.factories import ApplicantFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

# The probe's 21 patterns (8 of them were accepted by round one's rules).
WEAK = [
    "Aa1aaaaaaa",
    "1qaz@WSX3edc",
    "Zhangsan@123",
    "Evalorg2026!",
    "Demo-Pass-2027",
    "Password123!",
    "Qwerty@2026",
    "Abc12345678!",
    "Guangdong2026!",
    "P@ssw0rd2026",
    "Woaini@1314",
    "Admin@12345",
    "Zxcvbnm123!",
    "Aa123456789!",
    "Iloveyou2026!",
    "Huawei@2026",
    "Shenzhen@888",
    "Qq123456789@",
    "Welcome@2026",
    "1q2w3e4r5t!Q",
    "Gz-Evalorg-2026",
]
STRONG = ["Kapok-Tree-2026", "Lingnan#Kapok#77", "Xin-Mima-2026!", "Gd-Matrix-9f3k2!"]


def test_there_are_21_patterns():
    assert len(set(WEAK)) == 21


@pytest.mark.parametrize("password", WEAK)
def test_the_probes_weak_patterns_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="someone", role=Role.APPLICANT))


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_pass(password):
    validate_password(password, User(username="someone", role=Role.APPLICANT))


def test_a_keyboard_walk_with_shifted_symbols_is_refused_as_guessable():
    with pytest.raises(ValidationError) as refused:
        validate_password("1qaz@WSX3edc", User(username="someone"))
    assert "password_guessable" in {e.code for e in refused.value.error_list}


@pytest.mark.parametrize("password", ["Demo-Pass-2026", "My-Evalorg-Mima-73"])
def test_the_site_words_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(username="someone"))
    assert "password_own_words" in {e.code for e in refused.value.error_list}


def test_the_username_and_the_organizations_name_are_refused():
    user = ApplicantFactory(
        username="kapokmaker", institution=InstitutionFactory(name="Mianhua Training Ltd")
    )
    for password in ("Kapokmaker-Sun-88", "Mianhua-Sky-Lake-73"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert "password_own_words" in {e.code for e in refused.value.error_list}
    validate_password("Lingnan#Kapok#77", user)


def test_staff_need_twelve_characters_and_applicants_ten():
    password = "Qz7#Lanmu9x"  # 11 characters, otherwise fine
    validate_password(password, User(username="someone", role=Role.APPLICANT))
    for role in (Role.CITY_STAFF, Role.EXPERT, Role.ADMIN):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, User(username="someone", role=role))
        assert "password_too_short" in {e.code for e in refused.value.error_list}
    validate_password(password + "k", User(username="someone", role=Role.CITY_STAFF))


def test_the_demo_password_is_refused_for_people_but_the_demo_loader_sets_it():
    from evalorg.accounts.demo import ensure_user
    from evalorg.core.demo import DemoContext

    with pytest.raises(ValidationError):
        validate_password(DEMO_PASSWORD, User(username="gz_staff", role=Role.CITY_STAFF))
    user = ensure_user(DemoContext(), "demo_probe", Role.EXPERT, "演示")
    assert user.check_password(DEMO_PASSWORD)
    assert UserFactory().check_password("Test-Pass-2026")  # factories set theirs directly
