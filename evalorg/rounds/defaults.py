"""The 2023 reference round (the notice's dates) and the demo round (open today)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from evalorg.core import clock
from evalorg.core.demo import DemoContext
from evalorg.core.reference import LoadResult

from .models import ChecklistItem, Round

RequiredWhen = ChecklistItem.RequiredWhen
DOC_KINDS = ["pdf", "jpeg", "png"]

# Our version of 附件1 (the attachment was never published): code, title, condition, kinds.
DEFAULT_CHECKLIST: list[tuple[str, str, str, list[str]]] = [
    ("application_form", "备案申请表（盖章扫描件）", RequiredWhen.ALWAYS, ["pdf"]),
    (
        "legal_person_certificate",
        "法人登记证书（营业执照/事业单位法人证书/社会团体或民办非企业单位登记证书）",
        RequiredWhen.ALWAYS,
        DOC_KINDS,
    ),
    ("legal_rep_identity", "法定代表人身份证明", RequiredWhen.ALWAYS, DOC_KINDS),
    (
        "statutes_and_rules",
        "机构章程及考务、质量、档案管理制度",
        RequiredWhen.ALWAYS,
        ["pdf", "docx"],
    ),
    (
        "premises",
        "评价场地与设施设备证明（自有或一年以上租赁）",
        RequiredWhen.ALWAYS,
        ["pdf", "jpeg", "png", "docx"],
    ),
    (
        "assessors",
        "考评员、督导员名单及资质",
        RequiredWhen.ALWAYS,
        ["pdf", "docx", "xlsx"],
    ),
    ("capability", "拟申报职业（工种）评价能力说明", RequiredWhen.ALWAYS, ["pdf", "docx"]),
    ("influence", "行业影响力证明", RequiredWhen.ALWAYS, ["pdf", "jpeg", "png", "docx"]),
    ("credit", "信用承诺书及信用查询截图", RequiredWhen.ALWAYS, ["pdf", "jpeg", "png"]),
    (
        "recommendation_letter",
        "推荐函（省级行业主管部门推荐的机构，附件7）",
        RequiredWhen.RECOMMENDED,
        ["pdf"],
    ),
    (
        "chain_leader_designation",
        "链主培育单位认定文件（适用时）",
        RequiredWhen.CHAIN_LEADER,
        ["pdf"],
    ),
    (
        "original_filing",
        "原备案函、已备案试题及已开展认定工作证明（新增职业申请）",
        RequiredWhen.EXPANSION,
        ["pdf", "docx", "xlsx"],
    ),
]

REFERENCE_ROUND = {
    "code": "gd-2023",
    "name": "广东省2023年社会培训评价组织培育辅导遴选",
    "year": 2023,
    "published_on": date(2023, 4, 28),
    "application_deadline": date(2023, 5, 19),  # N-4.1.1
    "city_assessment_deadline": date(2023, 5, 25),  # N-4.1.2
    "publicity_working_days": 5,
    "cultivation_days": 180,  # N-4.2
    "numbering_prefix": "粤职评〔2023〕",
    "is_reference": True,
}


def ensure_checklist(round_: Round) -> int:
    created = 0
    for order, (code, title, when, kinds) in enumerate(DEFAULT_CHECKLIST, start=1):
        _, was_created = ChecklistItem.objects.get_or_create(
            round=round_,
            code=code,
            defaults={
                "title": title,
                "required_when": when,
                "allowed_kinds": kinds,
                "order": order,
            },
        )
        created += was_created
    return created


def load_reference_round(_data_dir: Path) -> LoadResult:
    data = dict(REFERENCE_ROUND)
    round_, created = Round.objects.get_or_create(code=data.pop("code"), defaults=data)
    items = ensure_checklist(round_)
    if not round_.scoresheet_template:
        round_.scoresheet_template = default_scoresheets()
        round_.save(update_fields=["scoresheet_template"])
    return LoadResult(
        "rounds",
        {"rounds": Round.objects.count(), "checklist items": round_.checklist.count()},
        created + items,
    )


def demo_round(context: DemoContext) -> None:
    """A round open now: published 10 days ago, applications open 20 more days."""
    today = clock.today()
    reference = Round.objects.get(code=REFERENCE_ROUND["code"])
    if Round.objects.filter(code=f"demo-{today.year}").exists():
        return
    shift = (today - timedelta(days=10) - reference.published_on).days
    reference.copy(
        code=f"demo-{today.year}",
        name=f"广东省{today.year}年社会培训评价组织培育辅导遴选（演示）",
        year=today.year,
        shift_days=shift,
    )


def years_of_open_rounds() -> set[int]:
    """Years a round still running may count working days in (for ``manage.py check``)."""
    years: set[int] = set()
    horizon = clock.today() - timedelta(days=400)
    for round_ in Round.objects.filter(city_assessment_deadline__gte=horizon):
        years |= {round_.city_assessment_deadline.year, round_.city_assessment_deadline.year + 1}
    return years


# Our default 附件3 (never published): 100 points under the three dimensions of N-4.1.2.
DEFAULT_SCORESHEET = {
    "label": "默认评估表（附件3 未公开，按通知三个维度拟定，可按批次和层级修改）",
    "items": [
        {
            "code": "cluster_fit",
            "title": "重点产业集群匹配度",
            "max_points": 10,
            "dimension": "industry_representativeness",
        },
        {
            "code": "scale_position",
            "title": "规模与产业地位",
            "max_points": 10,
            "dimension": "industry_representativeness",
        },
        {
            "code": "chain_integration",
            "title": "产业链带动与“产教评”融合",
            "max_points": 10,
            "dimension": "industry_representativeness",
        },
        {
            "code": "standards_development",
            "title": "参与标准/教材/题库开发",
            "max_points": 10,
            "dimension": "sector_authority",
        },
        {
            "code": "honours_influence",
            "title": "行业荣誉与影响力",
            "max_points": 10,
            "dimension": "sector_authority",
        },
        {
            "code": "credit_compliance",
            "title": "信用与合规记录",
            "max_points": 10,
            "dimension": "sector_authority",
        },
        {
            "code": "assessor_team",
            "title": "考评员督导员队伍",
            "max_points": 10,
            "dimension": "evaluation_professionalism",
        },
        {
            "code": "premises_equipment",
            "title": "场地设施设备",
            "max_points": 10,
            "dimension": "evaluation_professionalism",
        },
        {
            "code": "exam_quality_rules",
            "title": "考务与质量管理制度",
            "max_points": 10,
            "dimension": "evaluation_professionalism",
        },
        {
            "code": "experience_item_dev",
            "title": "评价经验与试题开发能力",
            "max_points": 10,
            "dimension": "evaluation_professionalism",
        },
    ],
}


# The provincial selection adds the on-site defense (现场答辩, N-4.1.3) inside 评价专业性, so the
# three dimensions, the ranking's tie-break and the 100-point total stay as they are: the four
# city items of that dimension drop to 5 points each, two ``defense_*`` items take 10 each (an
# absent case scores 0 on them, see review/defense.py and docs/decisions.md).
PROVINCE_PROFESSIONALISM_POINTS = {
    "assessor_team": 5,
    "premises_equipment": 5,
    "exam_quality_rules": 5,
    "experience_item_dev": 5,
}
DEFENSE_ITEMS = [
    {
        "code": "defense_presentation",
        "title": "现场答辩：陈述与评价方案",
        "max_points": 10,
        "dimension": "evaluation_professionalism",
    },
    {
        "code": "defense_answers",
        "title": "现场答辩：回答专家提问",
        "max_points": 10,
        "dimension": "evaluation_professionalism",
    },
]


def province_scoresheet() -> dict:
    items = [
        {
            **item,
            "max_points": PROVINCE_PROFESSIONALISM_POINTS.get(item["code"], item["max_points"]),
        }
        for item in DEFAULT_SCORESHEET["items"]
    ]
    return {
        "label": "省级遴选评估表（含现场答辩，附件3 未公开，按通知三个维度拟定，可按批次修改）",
        "items": items + [dict(item) for item in DEFENSE_ITEMS],
    }


def default_scoresheets() -> dict:
    """One template per review level, editable independently."""
    return {"city": DEFAULT_SCORESHEET, "province": province_scoresheet()}
