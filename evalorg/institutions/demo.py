"""Two demo applicant institutions with valid Guangdong USCCs, one account each."""

from __future__ import annotations

from evalorg.accounts.demo import ensure_user
from evalorg.accounts.models import Role
from evalorg.core.demo import DemoContext

from .models import Category, Institution, Level, Membership

DEMO_INSTITUTIONS = [
    {
        "username": "applicant_gz",
        "user_name": "陈经办",
        "name": "广州智造装备集团有限公司",
        "uscc": "91440101MA5CXY0010",
        "category": Category.LEADING_ENTERPRISE,
        "level": Level.MUNICIPAL,
        "city_id": "440100",
        "county_id": "440106",
        "address": "广州市天河区科韵路 100 号",
        "legal_rep_name": "张智造",
        "legal_rep_id_number": "440102199001010018",
        "contact_phone": "020-85550100",
    },
    {
        "username": "applicant_sz",
        "user_name": "林经办",
        "name": "深圳市鹏城职业培训学校",
        "uscc": "52440300MJL0000012",
        "category": Category.PRIVATE_TRAINING_SCHOOL,
        "level": Level.MUNICIPAL,
        "city_id": "440300",
        "county_id": "440305",
        "address": "深圳市南山区学府路 8 号",
        "legal_rep_name": "林鹏城",
        "legal_rep_id_number": "440305199005050025",
        "contact_phone": "0755-26660200",
    },
]


def build_institutions(context: DemoContext) -> None:
    for spec in DEMO_INSTITUTIONS:
        data = dict(spec)
        username, user_name = data.pop("username"), data.pop("user_name")
        institution, _ = Institution.objects.update_or_create(
            uscc=data.pop("uscc"),
            defaults={**data, "contact_name": user_name, "contact_email": f"{username}@example.cn"},
        )
        user = ensure_user(
            context,
            username,
            Role.APPLICANT,
            user_name,
            note=institution.name,
            email=f"{username}@example.cn",
        )
        Membership.objects.get_or_create(
            user=user, defaults={"institution": institution, "is_admin": True}
        )
