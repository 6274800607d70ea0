"""Synthetic institutions, their accounts and the people who review them.

Everything is drawn from the simulation's seeded ``random.Random``: the same seed gives the same
names, codes, cities and occupations. USCCs are valid (GB 32100 check character computed by
python-stdnum) with a county division code of the institution's Guangdong city, and the
registration authority/category pair fits the institution's category (企业 91, 民办非企业 52,
事业单位 12 for colleges, 社会团体 51 for associations).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum.cn import ric, uscc

from evalorg.accounts.models import Agency, Role, User
from evalorg.catalog.models import SKILL_MAJOR_GROUPS, Division, Occupation
from evalorg.catalog.status import occupation_facts
from evalorg.institutions.models import Category, Institution, Level, Membership, OtherKind
from evalorg.institutions.uscc import ALPHABET
from evalorg.review.models import ExpertProfile

SURNAMES = "陈李张黄王林刘吴郑何罗梁杨谢钟许邓冯曾彭蔡卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文海燕"
TRADES = [
    "智能制造",
    "现代物流",
    "数字技术",
    "健康养老",
    "烹饪餐饮",
    "汽车维修",
    "电子信息",
    "家政服务",
    "建筑装饰",
    "新能源",
    "跨境电商",
    "美容美发",
    "精密模具",
    "食品药品",
]
# Category, other kind, USCC type prefix, name pattern; the weights follow the 2023 applicants
# (mostly enterprises, then schools and colleges, a few associations).
KINDS = [
    (Category.LEADING_ENTERPRISE, "", "91", "{city}{trade}集团有限公司", 45),
    (Category.PRIVATE_TRAINING_SCHOOL, "", "52", "{city}{trade}职业培训学校", 25),
    (Category.COLLEGE, "", "12", "{city}{trade}职业技术学院", 15),
    (Category.OTHER, OtherKind.INDUSTRY_ASSOCIATION, "51", "{city}{trade}行业协会", 15),
]
ORG_CHARS = ALPHABET  # characters 9–17 of a USCC


@dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple[str, ...]
    agency: Agency


def cities() -> list[City]:
    """The 21 Guangdong prefecture cities with their counties and city agencies."""
    agencies = {a.division_id: a for a in Agency.objects.filter(kind=Agency.Kind.CITY)}
    prefectures = Division.objects.filter(
        level=Division.Level.PREFECTURE, code__startswith="44"
    ).order_by("code")
    counties: dict[str, list[str]] = {}
    for code, parent in Division.objects.filter(
        level=Division.Level.COUNTY, parent__code__startswith="44"
    ).values_list("code", "parent_id"):
        counties.setdefault(parent, []).append(code)
    return [
        City(p.code, p.name, tuple(sorted(counties.get(p.code, [p.code]))), agencies[p.code])
        for p in prefectures
        if p.code in agencies
    ]


# Which occupations each category of applicant may plausibly train and assess (the demo's rule,
# README "Live work"): by the prefix of the CSCO 2022 code, 大类 4 (服务) and 6 (生产制造) only.
# 大类 3 (办事人员: 人民警察, 机要员, 消防指挥员) is for government bodies: never drawn.
FITTING_PREFIXES: dict[str, tuple[str, ...]] = {
    # 企业 evaluate their own trades: production, commerce and catering.
    Category.LEADING_ENTERPRISE: ("6-", "4-01-", "4-03-"),
    # 培训学校 teach services (商业, 餐饮, 生活服务) and the common production trades.
    Category.PRIVATE_TRAINING_SCHOOL: ("4-01-", "4-03-", "4-10-", "6-18-", "6-31-"),
    Category.COLLEGE: ("4-", "6-"),
    Category.OTHER: ("4-", "6-"),
}


def fits(category: str, code: str) -> bool:
    return code.startswith(FITTING_PREFIXES[category])


def occupation_pool(category: str) -> list[str]:
    """Occupations ``category`` may request in a simulation: those with a national standard in
    the catalogue (N-3.1 eligible outright) that are leaf skill-type occupations, not an
    access-type occupation (unless exempt), and fit the category (``FITTING_PREFIXES``)."""
    with_standard = (
        Occupation.objects.filter(standards__isnull=False, major_group__in=SKILL_MAJOR_GROUPS)
        .values_list("code", flat=True)
        .distinct()
    )
    facts = occupation_facts(code for code in with_standard if fits(category, code))
    return sorted(
        code
        for code, f in facts.items()
        if f.exists
        and f.is_leaf
        and f.is_skill_type
        and f.standard_status == "known"
        and not (f.access_type_name and not f.access_type_exempt)
    )


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def make_uscc(rng: random.Random, prefix: str, county: str) -> str:
    body = prefix + county + "".join(rng.choice(ORG_CHARS) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def id_number(rng: random.Random, county: str) -> str:
    birth = f"{rng.randint(1965, 1990)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{county}{birth}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body)


BRANDS = [
    "粤华",
    "南方",
    "珠江",
    "岭南",
    "明德",
    "创新",
    "鸿图",
    "腾达",
    "卓越",
    "信达",
    "广信",
    "华南",
    "远航",
    "金穗",
    "启航",
    "博雅",
]


def make_institution(
    rng: random.Random, city: City, tag: str, index: int, taken: set[str]
) -> Institution:
    """One institution of ``city`` with one applicant account (no usable password: the
    simulation acts for it; the demo sets passwords on the accounts it prints)."""
    category, other_kind, prefix, pattern, _w = rng.choices(KINDS, weights=[k[4] for k in KINDS])[0]
    county = rng.choice(city.counties)
    # Organization codes come from their own generator, keyed by the run's tag: a code already
    # taken by an earlier run is drawn again without shifting the seed's other draws.
    codes = random.Random(f"{tag}-{index}")
    code = make_uscc(codes, prefix, county)
    while Institution.objects.filter(uscc=code).exists():
        code = make_uscc(codes, prefix, county)
    city_short = city.name.removesuffix("市")
    name = ""
    while not name or name in taken:
        trade = rng.choice(BRANDS) + rng.choice(TRADES)
        name = pattern.format(city=city_short, trade=trade)
    taken.add(name)
    # About one in twelve is a provincial institution (省属): it chooses the provincial center
    # as its receiving agency, whose first instance then stands in for a city's (N-4.1.2).
    provincial = rng.random() < 0.08
    if provincial:
        name = "广东省" + name.removeprefix(city_short)
    institution = Institution.objects.create(
        name=name,
        uscc=code,
        category=category,
        other_kind=other_kind,
        level=Level.PROVINCIAL if provincial else Level.MUNICIPAL,
        address=f"{city.name}某区某路{rng.randint(1, 999)}号",
        city_id=city.code,
        county_id=county if county != city.code else None,
        legal_rep_name=person_name(rng),
        legal_rep_id_number=id_number(rng, county),
        contact_name=person_name(rng),
        contact_phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
        contact_email=f"{tag}-{index:03d}@example.cn",
    )
    user = User(
        username=f"{tag}-{index:03d}",
        role=Role.APPLICANT,
        full_name=institution.contact_name,
        email=institution.contact_email,
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, institution=institution, is_admin=True)
    return institution


def ensure_user(username: str, role: str, full_name: str, agency: Agency | None = None) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": role, "full_name": full_name, "agency": agency}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def staff_of(agency: Agency, role: str, username: str, full_name: str) -> User:
    """The agency's first active staff account (the demo's gz_staff for 广州), else a simulated
    one, so demo logins see the simulated cases of their agency."""
    existing = User.objects.filter(agency=agency, role=role, is_active=True).order_by("pk").first()
    return existing or ensure_user(username, role, full_name, agency)


def expert_pool(count: int) -> list[User]:
    """Existing experts (the demo's expert1..3) first, then simulated ones up to ``count``."""
    experts = list(User.objects.filter(role=Role.EXPERT, is_active=True).order_by("pk")[:count])
    k = 1
    while len(experts) < count:
        # Named from their number, not the run's seed: the pool is shared by every run.
        name = person_name(random.Random(k))
        user = ensure_user(f"sim-expert-{k:02d}", Role.EXPERT, f"{name}（模拟专家）")
        if user not in experts:
            ExpertProfile.objects.get_or_create(
                user=user,
                defaults={"employer_name": "广东某职业技术学院", "title": "高级工程师"},
            )
            experts.append(user)
        k += 1
    return experts
