"""Occupation facts for N-3.1, in a constant number of queries."""

from __future__ import annotations

import pytest

from evalorg.catalog.models import AccessTypeOccupation, Occupation, SkillStandardCatalog
from evalorg.catalog.status import OccupationFacts, occupation_facts

pytestmark = pytest.mark.django_db

WELDER = "6-18-02-04"
SECURITY_GUARD = "4-07-05-01"
FOUNDRY_WORKER = "6-18-02-01"
ELECTRICAL_ENGINEER = "2-02-11-01"


def test_welder_is_exempt_access_type_with_known_standard():
    assert occupation_facts([WELDER])[WELDER] == OccupationFacts(
        code=WELDER,
        name="焊工",
        exists=True,
        is_leaf=True,
        major_group=6,
        is_skill_type=True,
        standard_status="known",
        standard_title="国家职业技能标准 焊工",
        access_type_name="焊工",
        access_type_exempt=True,
    )


def test_security_guard_is_access_type_not_exempt():
    facts = occupation_facts([SECURITY_GUARD])[SECURITY_GUARD]
    assert (facts.access_type_name, facts.access_type_exempt) == ("保安员", False)
    assert facts.is_access_type and facts.standard_status == "known"


def test_missing_standard_is_unknown_until_catalogue_is_complete():
    assert occupation_facts([FOUNDRY_WORKER])[FOUNDRY_WORKER].standard_status == "unknown"
    SkillStandardCatalog.objects.update_or_create(pk=1, defaults={"is_complete": True})
    facts = occupation_facts([FOUNDRY_WORKER, WELDER])
    assert facts[FOUNDRY_WORKER].standard_status == "none"
    assert facts[FOUNDRY_WORKER].standard_title == ""
    assert facts[WELDER].standard_status == "known"


def test_professional_occupation_is_not_skill_type():
    facts = occupation_facts([ELECTRICAL_ENGINEER])[ELECTRICAL_ENGINEER]
    assert facts.exists and facts.is_leaf and facts.major_group == 2
    assert not facts.is_skill_type and not facts.is_access_type


def test_unknown_code_and_group_code():
    facts = occupation_facts(["9-99-99-99", "6-18-02-00"])
    assert not facts["9-99-99-99"].exists and not facts["9-99-99-99"].is_leaf
    group = facts["6-18-02-00"]
    assert group.exists and not group.is_leaf and group.name == "机械热加工人员"


def test_code_less_access_type_entry_matches_by_exact_name():
    AccessTypeOccupation.objects.create(name="铸造工", source="test")
    facts = occupation_facts([FOUNDRY_WORKER, WELDER])
    assert facts[FOUNDRY_WORKER].access_type_name == "铸造工"
    assert not facts[FOUNDRY_WORKER].access_type_exempt
    assert facts[WELDER].access_type_name == "焊工"


def test_empty_input_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert occupation_facts([]) == {}


def test_query_count_does_not_grow_with_the_number_of_codes(django_assert_num_queries):
    SkillStandardCatalog.current()
    codes = list(Occupation.objects.leaves().order_by("code").values_list("code", flat=True)[:19])
    codes.append(WELDER)
    with django_assert_num_queries(4):
        one = occupation_facts([WELDER])
    with django_assert_num_queries(4):
        twenty = occupation_facts(codes)
    assert len(twenty) == 20 and twenty[WELDER] == one[WELDER]
