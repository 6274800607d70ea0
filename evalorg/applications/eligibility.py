"""Eligibility rules (SPEC §3) as pure functions of an ``EligibilityInput``.

Each rule yields ``RuleResult``s citing the notice clause; a fail blocks submission, a
needs_review lets it through flagged for staff. Rules run live on the form, at submission
and on staff request, so they never write to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from evalorg.catalog.models import Division
from evalorg.catalog.status import OccupationFacts, occupation_facts
from evalorg.institutions.models import Category, ExclusionItem, OtherKind
from evalorg.institutions.uscc import UsccFacts, parse_uscc

RECOMMENDATION_LETTER = "recommendation_letter"
SKILL_LEVELS = range(1, 6)


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    clause: str
    outcome: Outcome
    message: str
    subject: str = ""

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "outcome": str(self.outcome)}


@dataclass(frozen=True)
class EligibilityInput:
    uscc: str
    category: str
    other_kind: str
    declared_city_code: str
    kind: str
    occupations: tuple[tuple[str, tuple[int, ...]], ...]
    eligible_categories: tuple[str, ...]
    recommended_by_authority: bool
    has_recommendation_letter: bool
    exclusion_answers: dict[str, bool | None] = field(default_factory=dict)
    is_filed_organization: bool = False
    has_passed_question_bank: bool = False
    # N-2.2: the record of an assessment with reported results the organization ran, as said
    # to the applicant ("" when none was found; ``register_activity_finder``).
    reported_assessment: str = ""
    # N-5.2: why the organization may not expand now (suspended or revoked; "" when it may;
    # ``register_standing_check``).
    sanctioned: str = ""


Rule = Callable[[EligibilityInput], list[RuleResult]]

# N-2.2 "已正常开展认定工作": a later stage (supervision) says, for an institution id, which
# assessment with reported results it found ("" for none). Registered once at start-up.
ActivityFinder = Callable[[int], str]
_activity_finders: list[ActivityFinder] = []


def register_activity_finder(finder: ActivityFinder) -> None:
    if finder not in _activity_finders:
        _activity_finders.append(finder)


def reported_activity(institution_id: int) -> str:
    """The first record of reported assessment activity a registered finder names, or ""."""
    for finder in _activity_finders:
        if found := finder(institution_id):
            return found
    return ""


# N-5.2: a later stage (sanctions) says, for an institution id, why it may not apply for an
# expansion now ("" when it may).
StandingCheck = Callable[[int], str]
_standing_checks: list[StandingCheck] = []


def register_standing_check(check: StandingCheck) -> None:
    if check not in _standing_checks:
        _standing_checks.append(check)


def standing_refusal(institution_id: int) -> str:
    for check in _standing_checks:
        if found := check(institution_id):
            return found
    return ""


# Two rules read the code's facts (three reference-data queries): parsed once per evaluate().
_uscc_memo: ContextVar[dict[str, UsccFacts] | None] = ContextVar("uscc_memo", default=None)


def evaluate(inp: EligibilityInput) -> list[RuleResult]:
    token = _uscc_memo.set({})
    try:
        return [result for rule in RULES for result in rule(inp)]
    finally:
        _uscc_memo.reset(token)


def _uscc_facts(code: str) -> UsccFacts:
    memo = _uscc_memo.get()
    if memo is None:
        return parse_uscc(code)
    if code not in memo:
        memo[code] = parse_uscc(code)
    return memo[code]


def summarize(results: Iterable[RuleResult]) -> tuple[bool, bool]:
    """(has_fail, has_needs_review)."""
    outcomes = {r.outcome for r in results}
    return Outcome.FAIL in outcomes, Outcome.NEEDS_REVIEW in outcomes


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "未填写"


# --- N-2.1 ----------------------------------------------------------------------------------


def category_rule(inp: EligibilityInput) -> list[RuleResult]:
    label = _label(Category, inp.category)
    if inp.category in inp.eligible_categories:
        return [
            RuleResult("category", "N-2.1", Outcome.PASS, f"机构类别“{label}”属于申请对象范围。")
        ]
    allowed = "、".join(_label(Category, c) for c in inp.eligible_categories) or "无"
    return [
        RuleResult(
            "category",
            "N-2.1",
            Outcome.FAIL,
            f"机构类别“{label}”不在本批次申请对象范围内（可申报：{allowed}），请核对机构类别。",
        )
    ]


def uscc_rule(inp: EligibilityInput) -> list[RuleResult]:
    facts = _uscc_facts(inp.uscc)
    if not facts.is_valid:
        return [RuleResult("uscc", "N-2.1", Outcome.FAIL, facts.error)]
    if not facts.in_guangdong:
        return [
            RuleResult(
                "uscc_guangdong",
                "N-2.1",
                Outcome.FAIL,
                f"统一社会信用代码的登记管理行政区划码为 {facts.division_code}，不在广东省；"
                "申请机构须在广东省行政区域内注册设立。",
            )
        ]
    return [_city_result(facts, inp.declared_city_code)]


def _city_result(facts: UsccFacts, declared_code: str) -> RuleResult:
    def result(outcome: Outcome, message: str) -> RuleResult:
        return RuleResult("uscc_city", "N-2.1", outcome, message)

    if not facts.city_code:
        return result(
            Outcome.NEEDS_REVIEW,
            f"无法从统一社会信用代码的行政区划码 {facts.division_code} 确定所在地级市，"
            "需工作人员核对营业执照（登记证书）上的登记机关。",
        )
    if facts.city_code == declared_code:
        return result(
            Outcome.PASS, f"统一社会信用代码登记地为{facts.city_name}，与所在地级市一致。"
        )
    declared = Division.objects.filter(code=declared_code).first() if declared_code else None
    declared_name = declared.name if declared else "未填写"
    return result(
        Outcome.NEEDS_REVIEW,
        f"统一社会信用代码显示登记地为{facts.city_name}，而填写的所在地级市为{declared_name}，"
        "请核对所在地级市；如确属异地经营，需工作人员核实。",
    )


# --- N-2.4.1 --------------------------------------------------------------------------------


def government_body_rule(inp: EligibilityInput) -> list[RuleResult]:
    facts = _uscc_facts(inp.uscc)
    if not facts.is_valid:
        return []  # the N-2.1 result already refuses the code
    outcome, message = _government_body(facts.type_code, inp)
    return [RuleResult("government_body", "N-2.4.1", outcome, message)]


def _government_body(type_code: str, inp: EligibilityInput) -> tuple[Outcome, str]:
    if type_code == "11":
        return Outcome.FAIL, "统一社会信用代码显示为机关（11），政府及其所属部门不在申报范围内。"
    if type_code == "12":
        exception = inp.category == Category.COLLEGE or (
            inp.category == Category.OTHER and inp.other_kind == OtherKind.PUBLIC_TRAINING_BASE
        )
        if exception:
            return (
                Outcome.NEEDS_REVIEW,
                "统一社会信用代码显示为事业单位（12）；院校、公共实训基地可以申报，"
                "需工作人员核实其不属于政府所属部门。",
            )
        return (
            Outcome.FAIL,
            "统一社会信用代码显示为事业单位（12），政府所属事业单位不在申报范围内"
            "（院校、公共实训基地除外）。",
        )
    if type_code == "13":
        return (
            Outcome.NEEDS_REVIEW,
            "统一社会信用代码显示为群众团体（13），需工作人员核实其已与政府部门脱钩。",
        )
    return Outcome.PASS, "申请机构不属于政府及其所属部门。"


# --- N-2.4.2 --------------------------------------------------------------------------------


def exclusion_rule(inp: EligibilityInput) -> list[RuleResult]:
    return [_exclusion(item, inp.exclusion_answers.get(item.value)) for item in ExclusionItem]


def _exclusion(item: ExclusionItem, applies: bool | None) -> RuleResult:
    def result(outcome: Outcome, message: str) -> RuleResult:
        return RuleResult("exclusion", "N-2.4.2", outcome, message, subject=item.value)

    if applies is None:
        return result(
            Outcome.FAIL, f"尚未声明是否存在以下情形：{item.label}。请在机构信息中作出声明。"
        )
    if applies:
        return result(Outcome.FAIL, f"申请机构声明存在以下情形，不能申报：{item.label}。")
    return result(Outcome.PASS, f"已声明不存在以下情形：{item.label}（由工作人员核查证明材料）。")


# --- N-3.1 ----------------------------------------------------------------------------------


def occupations_rule(inp: EligibilityInput) -> list[RuleResult]:
    if not inp.occupations:
        return [
            RuleResult(
                "occupations", "N-3.1", Outcome.FAIL, "尚未申报职业（工种），请至少添加一个。"
            )
        ]
    facts = occupation_facts(code for code, _ in inp.occupations)
    return [
        result
        for code, levels in inp.occupations
        for result in occupation_results(code, levels, facts=facts)
    ]


def occupation_results(
    code: str, levels: tuple[int, ...], facts: Mapping[str, OccupationFacts] | None = None
) -> list[RuleResult]:
    """N-3.1 for one requested occupation; ``facts`` saves queries when checking many."""
    occ = (facts or occupation_facts([code]))[code]
    label = f"{occ.code} {occ.name}".strip()

    def result(outcome: Outcome, message: str) -> RuleResult:
        return RuleResult("occupation", "N-3.1", outcome, message, subject=code)

    if not occ.exists or not occ.is_leaf:
        return [
            result(
                Outcome.FAIL,
                f"“{code}”不是《职业分类大典》（2022 年版）中的职业（工种）代码，请重新选择职业。",
            )
        ]
    fails = [result(Outcome.FAIL, message) for message in _occupation_problems(occ, label, levels)]
    if fails:
        return fails  # a needs_review on a refused occupation would only add noise
    if occ.standard_status == "unknown":
        return [
            result(
                Outcome.NEEDS_REVIEW,
                f"{label}：国家职业技能标准目录未完整导入，需人工核实该职业是否已有国家职业技能标准。",
            )
        ]
    return [result(Outcome.PASS, f"{label}属于可申报的技能类职业，且已有国家职业技能标准。")]


def _occupation_problems(occ: OccupationFacts, label: str, levels: tuple[int, ...]) -> list[str]:
    problems = []
    if not occ.is_skill_type:
        problems.append(
            f"{label}属于第{occ.major_group}大类，不是技能类职业（第3–6大类），不能申报，"
            "请选择技能类职业。"
        )
    if occ.access_type_name and not occ.access_type_exempt:
        problems.append(
            f"{label}属于准入类职业资格（{occ.access_type_name}），除焊工外不纳入遴选范围，"
            "请选择其他职业。"
        )
    if occ.standard_status == "none":
        problems.append(f"{label}尚无国家职业技能标准，不纳入遴选范围，请选择其他职业。")
    if not levels:
        problems.append(f"{label}未选择申报等级，请至少选择一个等级（五级至一级）。")
    elif any(level not in SKILL_LEVELS for level in levels):
        problems.append(f"{label}的申报等级不正确，等级只能为五级至一级。")
    return problems


# --- N-2.2 and N-5.3 ------------------------------------------------------------------------


def expansion_rule(inp: EligibilityInput) -> list[RuleResult]:
    if inp.kind != "expansion":
        return []
    if not (inp.is_filed_organization and inp.has_passed_question_bank):
        return [
            RuleResult(
                "expansion",
                "N-2.2",
                Outcome.FAIL,
                "新增职业仅限已备案、自主完成至少一个职业试题审核备案并已正常开展认定工作的"
                "社会培训评价组织；不符合的机构请按新申请提交。",
            )
        ]
    if inp.sanctioned:
        return [RuleResult("expansion", "N-5.2", Outcome.FAIL, inp.sanctioned)]
    if not inp.reported_assessment:
        return [
            RuleResult(
                "expansion",
                "N-2.2",
                Outcome.FAIL,
                "申请机构已备案，但未找到已报告认定结果的认定计划：新增职业须已正常开展认定工作"
                "（至少一次认定已登记并报告结果）。",
            )
        ]
    return [
        RuleResult(
            "expansion",
            "N-2.2",
            Outcome.PASS,
            "申请机构已备案为社会培训评价组织，且已有职业试题通过审核备案；已正常开展认定工作："
            + inp.reported_assessment
            + "。",
        )
    ]


def recommendation_rule(inp: EligibilityInput) -> list[RuleResult]:
    if not inp.recommended_by_authority:
        return []
    if inp.has_recommendation_letter:
        return [
            RuleResult(
                "recommendation_letter", "N-5.3", Outcome.PASS, "已上传省级行业主管部门推荐函。"
            )
        ]
    return [
        RuleResult(
            "recommendation_letter",
            "N-5.3",
            Outcome.FAIL,
            "由省级行业主管部门推荐的机构须上传推荐函（附件7），请在申请材料中上传。",
        )
    ]


RULES: tuple[Rule, ...] = (
    category_rule,
    uscc_rule,
    government_body_rule,
    exclusion_rule,
    occupations_rule,
    expansion_rule,
    recommendation_rule,
)


def requested_levels(lines: Iterable[tuple[str, int]]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``(code, level)`` occupation lines as ``(code, levels)``, in first-seen order."""
    levels: dict[str, list[int]] = {}
    for code, level in lines:
        levels.setdefault(code, []).append(level)
    return tuple((code, tuple(sorted(found, reverse=True))) for code, found in levels.items())


def input_from_application(application) -> EligibilityInput:
    """The rules' input for a saved ``Application``."""
    from .models import ApplicationOccupation

    institution = application.institution
    lines = application.occupations.exclude(status=ApplicationOccupation.Status.EXCLUDED)
    answers: dict[str, bool | None] = dict.fromkeys(ExclusionItem.values)
    answers.update(institution.declarations.values_list("item", "applies"))
    filed = (
        application.kind == "expansion"
        and ApplicationOccupation.objects.filter(
            application__institution_id=institution.pk,
            status=ApplicationOccupation.Status.FILED,
        ).exists()
    )
    return EligibilityInput(
        uscc=institution.uscc,
        category=institution.category,
        other_kind=institution.other_kind,
        declared_city_code=institution.city_id or "",
        kind=application.kind,
        occupations=requested_levels(lines.values_list("occupation_id", "level")),
        eligible_categories=tuple(application.round.eligible_categories),
        recommended_by_authority=institution.recommended_by_authority,
        has_recommendation_letter=application.materials.filter(
            item_code=RECOMMENDATION_LETTER, is_current=True
        ).exists(),
        exclusion_answers=answers,
        # N-2.2: a filed organization has a filed occupation line (the filing stage files lines
        # whose question bank passed, so a filed line also means a bank passed review).
        is_filed_organization=filed,
        has_passed_question_bank=filed,
        reported_assessment=reported_activity(institution.pk) if filed else "",
        sanctioned=standing_refusal(institution.pk) if filed else "",
    )
