"""Demo expert profiles for the three demo experts (expert1..3 from ``accounts.demo``)."""

from __future__ import annotations

from evalorg.accounts.models import Role, User
from evalorg.core.demo import DemoContext

from .models import ExpertProfile

# username → (employer, employer USCC, city, specialties (major groups), title, phone)
DEMO_EXPERTS = {
    "expert1": (
        "广州市职业技能鉴定研究院（演示）",
        "124401004558612345",
        "440100",
        [6, 4],
        "研究员",
        "13800000001",
    ),
    "expert2": (
        "深圳市先进制造业协会（演示）",
        "52440300MJL000034E",
        "440300",
        [6],
        "高级工程师",
        "13800000002",
    ),
    "expert3": (
        "广东省技工教育研究中心（演示）",
        "12440000455860123Y",
        "440100",
        [4, 2],
        "教授",
        "13800000003",
    ),
}


def build_review_demo(context: DemoContext) -> None:
    """Give the demo experts profiles; none works for a demo applicant (no conflicts)."""
    for username, (employer, uscc, city, groups, title, phone) in DEMO_EXPERTS.items():
        user = User.objects.filter(username=username, role=Role.EXPERT).first()
        if user is None:
            continue
        if not user.phone:
            user.phone = phone
            user.save(update_fields=["phone"])
        ExpertProfile.objects.get_or_create(
            user=user,
            defaults={
                "employer_name": employer,
                "employer_uscc": uscc,
                "city_id": city,
                "specialties": groups,
                "title": title,
            },
        )
