"""Reference data from shared/data/raw, loaded idempotently (issue #2)."""

import io

import pytest
from django.core.management import call_command

from evalorg.catalog.loaders import clean_name
from evalorg.catalog.models import (
    AccessTypeOccupation,
    Division,
    Occupation,
    SkillStandard,
    SkillStandardCatalog,
    UsccCode,
)

pytestmark = pytest.mark.django_db


def test_second_load_creates_nothing_and_prints_counts():
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    text = out.getvalue()
    assert "prefecture 21" in text and "county 122" in text
    assert "职业 1632" in text
    assert "created 0" in text and all(
        "created 0, updated 0" in line for line in text.strip().splitlines()
    )


def test_guangdong_divisions_have_parents():
    assert Division.objects.filter(level="prefecture").count() == 21
    assert Division.objects.filter(level="county").count() == 122
    tianhe = Division.objects.get(code="440106")
    assert tianhe.parent.name == "广州市" and tianhe.parent.parent.code == "440000"
    assert not Division.objects.filter(parent_id="441900").exists()  # 东莞: no counties


def test_occupation_levels_and_documented_duplicates():
    counts = {lvl: Occupation.objects.filter(level=lvl).count() for lvl in (1, 2, 3, 4)}
    # 1,634 leaf rows minus two exact duplicates; 2-03-01-00 kept once, as a leaf.
    assert counts == {1: 8, 2: 72, 3: 335, 4: 1632}
    soil = Occupation.objects.get(code="2-03-01-00")
    assert soil.level == 4 and soil.parent_id == "2-03-00-00"


def test_markers_are_stripped_and_kept_as_flags():
    assert clean_name("森林消防员L") == ("森林消防员", True, False)
    assert clean_name("电子商务师S") == ("电子商务师", False, True)
    assert clean_name("地理信息系统工程技术人员L/S") == ("地理信息系统工程技术人员", True, True)
    assert clean_name("焊工") == ("焊工", False, False)
    occ = Occupation.objects.get(code="3-02-03-06")
    assert occ.name == "森林消防员" and occ.is_green
    assert not Occupation.objects.filter(name__regex=r"(L|S)$").exists()


def test_leaf_parent_is_the_minor_group():
    welder = Occupation.objects.get(code="6-18-02-04")
    assert welder.parent_id == "6-18-02-00" and welder.major_group == 6 and welder.is_skill_type
    assert not Occupation.objects.get(code="2-02-11-01").is_skill_type


def test_access_type_list_with_welder_exempt():
    welder = AccessTypeOccupation.objects.get(name="焊工")
    assert welder.exempt and welder.occupation_id == "6-18-02-04"
    guard = AccessTypeOccupation.objects.get(name="保安员")
    assert not guard.exempt and guard.occupation_id == "4-07-05-01"
    assert AccessTypeOccupation.objects.get(name="特种作业人员").occupation is None
    assert AccessTypeOccupation.objects.filter(exempt=True).count() == 1


def test_skill_standards_are_a_marked_sample_and_catalog_incomplete():
    assert SkillStandard.objects.exists()
    assert not SkillStandard.objects.filter(is_sample=False).exists()
    assert not SkillStandardCatalog.current().is_complete


def test_import_skill_standards_complete_flag(tmp_path):
    path = tmp_path / "std.csv"
    path.write_text("code,title,edition,issuing_document\n6-31-01-10,机电设备维修工,2020,\n")
    call_command("import_skill_standards", str(path), "--complete", stdout=io.StringIO())
    assert SkillStandard.objects.filter(occupation_id="6-31-01-10", is_sample=False).exists()
    assert SkillStandardCatalog.current().is_complete


def test_import_with_unknown_code_changes_nothing(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    path.write_text(
        "code,title,edition,issuing_document\n6-31-01-10,ok,2020,\n9-99-99-99,x,2020,\n"
    )
    before = SkillStandard.objects.count()
    with pytest.raises(CommandError, match="9-99-99-99"):
        call_command("import_skill_standards", str(path), stdout=io.StringIO())
    assert SkillStandard.objects.count() == before


def test_uscc_code_table():
    assert UsccCode.objects.count() == 36
    assert UsccCode.objects.get(authority_code="1", category_code="2").category_name == "事业单位"
