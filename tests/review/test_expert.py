"""The expert's pages: assignments, conflict declaration, scoresheet (issue #4)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from evalorg.core.models import AuditEvent
from evalorg.core.workflow import Refusal, TransitionRefused
from evalorg.review.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    Panel,
    PanelMember,
    Scoresheet,
)
from evalorg.rounds.defaults import DEFAULT_SCORESHEET
from tests.factories import CityStaffFactory, InstitutionFactory, UserFactory, city_agency

from .conftest import verified as verified_application

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
ITEMS = DEFAULT_SCORESHEET["items"]


@pytest.fixture
def staff():
    return CityStaffFactory()


@pytest.fixture
def setup(staff):
    """A verified application assigned to a Guangzhou panel of three experts."""
    application = verified_application(staff)
    panel = Panel.objects.create(
        agency=staff.agency, round=application.round, stage="city_assessment", name="广州评审组"
    )
    experts = [UserFactory(role="expert") for _ in range(3)]
    for expert in experts:
        PanelMember.objects.create(panel=panel, expert=expert)
    Assignment.objects.create(panel=panel, application=application)
    return application, panel, experts


def urls(application) -> tuple[str, str]:
    return (
        reverse("expert:declare", args=[application.pk]),
        reverse("expert:scoresheet", args=[application.pk]),
    )


def full_sheet(points: str = "8", **extra) -> dict:
    data = {f"score_{item['code']}": points for item in ITEMS}
    data.update({"version": "0", "action": "save", "confirm": "yes"})
    data.update(extra)
    return data


def declare_none(client, application) -> None:
    response = client.post(urls(application)[0], {"kind": "none", "note": ""})
    assert response.status_code == 302


def test_home_lists_only_my_assignments(client, staff, setup):
    application, panel, experts = setup
    other = verified_application(staff)
    chosen = Assignment.objects.create(panel=panel, application=other)
    chosen.experts.set([experts[1]])
    client.force_login(experts[0])
    response = client.get(reverse("expert:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert application.institution.name in body
    assert other.institution.name not in body
    assert "未声明" in body


def test_home_rows_show_state_declaration_sheet_and_links(client, staff, setup):
    """The labels and links worked out once per page (views_expert.row_labels)."""
    application, panel, experts = setup
    client.force_login(experts[0])
    declare_url, sheet_url = urls(application)
    body = client.get(reverse("expert:home")).content.decode()
    assert application.get_state_display() in body and f'href="{declare_url}"' in body
    declare_none(client, application)
    Scoresheet.objects.create(panel=panel, application=application, expert=experts[0])
    body = client.get(reverse("expert:home")).content.decode()
    assert "无利益冲突" in body and "草稿" in body and f'href="{sheet_url}"' in body
    assert "填写评估表" in body


def test_non_expert_gets_403(client, staff, setup):
    client.force_login(staff)
    assert client.get(reverse("expert:home")).status_code == 403


def test_expert_not_on_panel_gets_404(client, staff, setup):
    application, _panel, _experts = setup
    outsider = UserFactory(role="expert")
    client.force_login(outsider)
    declare_url, sheet_url = urls(application)
    assert client.get(declare_url).status_code == 404
    assert client.post(declare_url, {"kind": "none"}).status_code == 404
    assert client.get(sheet_url).status_code == 404
    assert client.post(sheet_url, full_sheet()).status_code == 404
    assert not ConflictDeclaration.objects.filter(expert=outsider).exists()


def test_member_not_chosen_for_assignment_gets_404(client, staff, setup):
    _application, panel, experts = setup
    other = verified_application(staff)
    Assignment.objects.create(panel=panel, application=other).experts.set([experts[1]])
    client.force_login(experts[0])
    for url in urls(other):
        assert client.get(url).status_code == 404


def test_scoresheet_redirects_to_declaration_first(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_url, sheet_url = urls(application)
    response = client.get(sheet_url)
    assert response.status_code == 302 and response["Location"] == declare_url
    assert client.post(sheet_url, full_sheet()).status_code == 302
    assert not Scoresheet.objects.exists()


def test_employer_uscc_conflict_refuses_scoresheet_even_if_declared_none(client, setup):
    application, _panel, experts = setup
    expert = experts[0]
    ExpertProfile.objects.create(
        user=expert, employer_name="同一单位", employer_uscc=application.institution.uscc.lower()
    )
    client.force_login(expert)
    declare_url, sheet_url = urls(application)
    assert "统一社会信用代码与申请机构相同" in client.get(declare_url).content.decode()
    client.post(declare_url, {"kind": "none"})
    declaration = ConflictDeclaration.objects.get(expert=expert)
    assert declaration.kind == "none" and declaration.detected
    response = client.get(sheet_url)
    assert response.status_code == 403
    assert "利益冲突" in response.content.decode()
    assert "统一社会信用代码与申请机构相同" in response.content.decode()
    assert client.post(sheet_url, full_sheet()).status_code == 403
    assert not Scoresheet.objects.exists()
    assert AuditEvent.objects.filter(action="conflict_declared").exists()


def test_declared_conflict_refuses_scoresheet(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[1])
    declare_url, sheet_url = urls(application)
    response = client.post(declare_url, {"kind": "consultant", "note": "2022年任顾问"})
    assert response.status_code == 302 and response["Location"] == reverse("expert:home")
    response = client.get(sheet_url)
    assert response.status_code == 403
    assert "担任申请机构顾问" in response.content.decode()


def test_other_conflict_needs_a_note(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    response = client.post(urls(application)[0], {"kind": "other", "note": ""})
    assert response.status_code == 400
    assert "请说明回避情形" in response.content.decode()
    assert not ConflictDeclaration.objects.exists()


def test_scoresheet_shows_items_and_material_links(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    response = client.get(urls(application)[1])
    assert response.status_code == 200
    body = response.content.decode()
    for title in ("产业代表性", "行业权威性", "评价专业性", "规模与产业地位", "考评员督导员队伍"):
        assert title in body
    assert reverse("applications:detail", args=[application.pk]) + '"' not in body
    material = application.materials.first()
    link = reverse("applications:material_download", args=[application.pk, material.pk])
    assert link in body
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("value", ["10.5", "-1", "abc", "7.3"])
def test_invalid_scores_are_refused_in_chinese_and_nothing_saved(client, setup, value):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    before = AuditEvent.objects.count()
    response = client.post(urls(application)[1], full_sheet(score_scale_position=value))
    assert response.status_code == 400
    body = response.content.decode()
    if value in ("10.5", "-1"):
        assert "“规模与产业地位”的得分应在 0 到 10 分之间" in body
    elif value == "abc":
        assert "“规模与产业地位”的得分应为数字" in body
    else:
        assert "0.5 的整数倍" in body
    assert f'value="{value}"' in body  # the typed value is shown again
    assert not Scoresheet.objects.exists()
    assert AuditEvent.objects.count() == before


def test_draft_allows_gaps_then_submit_requires_everything_and_locks(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    response = client.post(
        sheet_url, {"version": "0", "action": "save", "score_cluster_fit": "9.5"}
    )
    assert response.status_code == 302
    sheet = Scoresheet.objects.get()
    assert sheet.status == "draft" and sheet.version == 1 and sheet.scores == {"cluster_fit": 9.5}

    response = client.post(sheet_url, {**full_sheet(), "version": "1", "action": "submit"})
    assert response.status_code == 400
    assert "提交前请选择总体意见" in response.content.decode()
    response = client.post(sheet_url, {"version": "1", "action": "submit", "opinion": "recommend"})
    assert "请填写“规模与产业地位”的得分" in response.content.decode()
    assert Scoresheet.objects.get().version == 1

    data = full_sheet(
        "8.5",
        version="1",
        action="submit",
        opinion="recommend",
        comment_industry_representativeness="产业匹配度高",
    )
    assert client.post(sheet_url, data).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "submitted" and sheet.version == 2 and sheet.submitted_at
    assert sheet.opinion == "recommend"
    assert sheet.comments == {"industry_representativeness": "产业匹配度高"}
    assert sum(Decimal(str(v)) for v in sheet.scores.values()) == Decimal("85")

    response = client.get(sheet_url)
    assert 'data-testid="scoresheet-readonly"' in response.content.decode()
    assert "保存草稿" not in response.content.decode()
    response = client.post(sheet_url, full_sheet("1", version="2"), follow=True)
    assert "已提交并锁定" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.version == 2 and sheet.scores["cluster_fit"] == 8.5

    events = list(
        AuditEvent.objects.for_object(sheet)
        .filter(action__in=["scoresheet_saved", "submit_scoresheet"])
        .order_by("id")
    )
    assert [e.action for e in events] == ["scoresheet_saved", "submit_scoresheet"]
    assert (events[-1].from_state, events[-1].to_state) == ("draft", "submitted")
    assert {e.audience for e in events} == {"internal"}
    assert Decimal(events[-1].data["total"]) == 85
    assert "scores" not in events[-1].data


def test_stale_version_is_refused_and_typed_values_kept(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    client.post(sheet_url, full_sheet("5"))  # tab A saves: version 1
    client.post(sheet_url, full_sheet("6", version="1"))  # tab B saves: version 2
    response = client.post(sheet_url, full_sheet("9", version="1"))  # tab A again, stale
    assert response.status_code == 409
    body = response.content.decode()
    assert "已在其他窗口或页面保存过" in body
    assert 'value="9"' in body
    assert 'name="version" value="2"' in body
    sheet = Scoresheet.objects.get()
    assert sheet.version == 2 and set(sheet.scores.values()) == {6}
    # Saving again from the refreshed form succeeds.
    assert client.post(sheet_url, full_sheet("9", version="2")).status_code == 302
    sheet.refresh_from_db()
    assert sheet.version == 3 and set(sheet.scores.values()) == {9}


def test_two_experts_saving_keep_their_own_sheets(client, setup):
    application, _panel, experts = setup
    sheet_url = urls(application)[1]
    for expert, points in zip(experts[:2], ["7", "9"], strict=True):
        client.force_login(expert)
        declare_none(client, application)
        assert client.post(sheet_url, full_sheet(points)).status_code == 302
    sheets = {s.expert_id: s for s in Scoresheet.objects.all()}
    assert set(sheets[experts[0].pk].scores.values()) == {7}
    assert set(sheets[experts[1].pk].scores.values()) == {9}
    assert all(s.version == 1 for s in sheets.values())


def test_staff_reopen_lets_the_expert_edit_again(client, staff, setup):
    application, panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    client.post(sheet_url, full_sheet("7", action="submit", opinion="undecided"))
    sheet = Scoresheet.objects.get()
    client.force_login(staff)
    reopen = reverse("panels:reopen", args=[panel.pk, sheet.pk])
    assert client.post(reopen, {"reason": "第二项评分与意见不符"}).status_code == 302
    client.force_login(experts[0])
    response = client.get(sheet_url)
    assert 'data-testid="save"' in response.content.decode()
    assert client.post(sheet_url, full_sheet("8", version="2")).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "reopened" and sheet.version == 3


def test_conflict_detected_by_contact_and_account(client, setup):
    application, _panel, experts = setup
    institution = application.institution
    expert = experts[2]
    expert.email = institution.contact_email.upper()
    expert.save()
    client.force_login(expert)
    declare_none(client, application)
    response = client.get(urls(application)[1])
    assert response.status_code == 403
    assert "联系人" in response.content.decode()


def test_another_institution_with_same_employer_is_not_a_conflict(client, staff, setup):
    application, _panel, experts = setup
    other = InstitutionFactory()
    ExpertProfile.objects.create(user=experts[0], employer_uscc=other.uscc)
    client.force_login(experts[0])
    declare_none(client, application)
    assert client.get(urls(application)[1]).status_code == 200


def test_staff_view_and_print_a_sheet_and_the_expert_sees_why_it_was_reopened(client, staff, setup):
    """Issue #10: the panel's staff open each expert's sheet (audited); another city cannot;
    after a reopen the expert's page says why."""
    application, panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    client.post(sheet_url, full_sheet("7", action="submit", opinion="undecided"))
    sheet = Scoresheet.objects.get()
    view = reverse("panels:sheet", args=[panel.pk, sheet.pk])

    client.force_login(CityStaffFactory(agency=city_agency("440300")))
    assert client.get(view).status_code in {403, 404}

    client.force_login(staff)
    page = client.get(view)
    assert page.status_code == 200
    body = page.content.decode()
    assert experts[0].display_name in body and "data-print" in body and "待定" in body
    assert AuditEvent.objects.filter(action="scoresheet_viewed", actor=staff).exists()
    reopen = reverse("panels:reopen", args=[panel.pk, sheet.pk])
    client.post(reopen, {"reason": "第二项评分与意见不符"})

    client.force_login(experts[0])
    shown = client.get(sheet_url).content.decode()
    assert 'data-testid="reopen-reason"' in shown and "第二项评分与意见不符" in shown


# ---- issue 18 item 4: the sheet is checked before 不能再修改 is asked --------------------


def test_submit_with_a_missing_score_answers_with_the_form_not_the_question(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    data = full_sheet(action="submit", opinion="recommend")
    del data["confirm"]
    del data[f"score_{ITEMS[0]['code']}"]
    before = AuditEvent.objects.count()
    response = client.post(sheet_url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "的得分" in body and "confirm-page" not in body
    assert not Scoresheet.objects.exists()
    assert AuditEvent.objects.count() == before


def test_valid_submit_asks_on_the_server_then_is_done_when_confirmed(client, setup):
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    body = client.get(sheet_url).content.decode()
    assert "data-confirm" not in body  # the dialog would ask before the form is checked
    data = full_sheet(action="submit", opinion="recommend")
    del data["confirm"]
    asked = client.post(sheet_url, data)
    assert asked.status_code == 409
    assert "确定提交评估表吗" in asked.content.decode()
    assert not Scoresheet.objects.exists()
    done = client.post(sheet_url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert Scoresheet.objects.get().status == "submitted"


def test_submit_refused_by_a_guard_is_refused_before_asking(client, setup, monkeypatch):
    """A refusal the submission would meet (a guard) is shown with the form, before asking."""
    application, _panel, experts = setup
    client.force_login(experts[0])
    declare_none(client, application)
    sheet_url = urls(application)[1]
    from evalorg.review import scoresheets

    original = scoresheets.submit

    def refusing(*args, **kwargs):
        original(*args, **kwargs)
        raise TransitionRefused([Refusal("N-4.1.2", "测试拒绝")])

    monkeypatch.setattr(scoresheets, "submit", refusing)
    data = full_sheet(action="submit", opinion="recommend")
    del data["confirm"]
    response = client.post(sheet_url, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "测试拒绝" in body and "confirm-page" not in body
    assert not Scoresheet.objects.exists()
