"""Request and response schemas: English field names, Chinese descriptions (issue 13)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

# Query text: bounded, and no NUL byte (PostgreSQL refuses it in a string; 422 instead of 500).
QueryText = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00]*$")]
Page = Annotated[int, Field(ge=1, le=100000, description="页码，从 1 开始")]
PageSize = Annotated[int, Field(ge=1, le=100, description="每页条数（1–100）")]
# Ids fit a 32-bit integer column: a larger one is 422, never a database overflow (500).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
ActionName = Annotated[str, StringConstraints(max_length=40, pattern=r"^[a-z_]+$")]


class Refusal(Schema):
    clause: str = Field(description="依据条款编号，如 N-4.1.3、SPEC-5")
    message: str = Field(description="中文说明")


class Error(Schema):
    detail: str = Field(description="中文说明")
    refusals: list[Refusal] = Field(default_factory=list, description="逐条拒绝理由及依据条款")


class RegistryOccupation(Schema):
    code: str = Field(description="职业编码（2022 年版国家职业分类大典）")
    name: str = Field(description="职业（工种）名称")
    level: int = Field(description="技能等级，5（五级/初级工）至 1（一级/高级技师）")
    level_label: str = Field(description="等级名称")
    status: str = Field(description="“正常”或“已取消”（该职业被取消备案，N-5.2）")


class RegistryEntry(Schema):
    organization: str = Field(description="备案的社会培训评价组织名称")
    uscc: str = Field(description="统一社会信用代码（18 位）")
    city: str = Field(description="所在地级以上市")
    category: str = Field(description="机构类别（N-2.1）")
    occupations: list[RegistryOccupation] = Field(description="该备案函下仍在备案的职业及等级")
    letter_number: str = Field(description="备案函编号")
    filed_on: date = Field(description="备案日期（备案函签发日期）")
    valid_until: date = Field(description="有效期至（含当天，N-2.2）")
    status: str = Field(
        description="“有效”“暂停”“已取消”或“已过期”（按查询当天判断；暂停、取消备案：N-5.2）"
    )
    former_names: list[str] = Field(description="曾用名（经审核同意变更名称前的名称，N-5.2）")
    org_status: str = Field(description="机构状态：“正常”“暂停”或“已取消”（N-5.2）")


class RegistryPage(Schema):
    count: int = Field(description="符合条件的总条数")
    page: int = Field(description="当前页码")
    page_size: int = Field(description="每页条数")
    items: list[RegistryEntry]


class NoticeEntryOut(Schema):
    order: int = Field(description="序号")
    name: str = Field(description="机构名称")
    city: str = Field(description="所在地市")
    category: str = Field(description="机构类别")
    occupations: list[str] = Field(description="职业（工种）及等级")


class NoticeOut(Schema):
    id: int
    round: str = Field(description="遴选批次编码")
    title: str = Field(description="公示标题")
    body: str = Field(description="公示正文")
    starts_on: date = Field(description="公示开始日期")
    ends_on: date = Field(description="公示结束日期（含当天）")
    working_days: int = Field(description="公示期（工作日）")
    objections_to: str = Field(description="异议受理方式")
    status: str = Field(description="公示状态：即将开始、公示中、已结束")
    published_at: datetime = Field(description="发布时间")
    entries: list[NoticeEntryOut] = Field(description="公示机构名单（不含个人信息）")


class NoticePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[NoticeOut]


class RoundOut(Schema):
    code: str = Field(description="批次编码")
    name: str = Field(description="批次名称")
    year: int = Field(description="年度")
    published_on: date = Field(description="通知发布日期")
    application_deadline: date = Field(description="申报截止日期（含当天）")
    city_assessment_deadline: date = Field(description="地市评估推荐截止日期（含当天）")
    publicity_working_days: int = Field(description="公示期（工作日）")
    cultivation_days: int = Field(description="培育辅导期（天）")
    accepting_applications: bool = Field(description="今天是否在申报期内")


class RoundPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RoundOut]


class LineOut(Schema):
    occupation_code: str = Field(description="职业编码")
    occupation_name: str = Field(description="职业（工种）名称")
    level: int = Field(description="技能等级（5 至 1）")
    level_label: str = Field(description="等级名称")
    status: str = Field(description="该职业等级的状态（英文标识）")
    status_label: str = Field(description="状态名称")


class StageOut(Schema):
    stage: str = Field(description="评审阶段（英文标识）")
    stage_label: str = Field(description="评审阶段名称")
    agency: str = Field(description="评审机构")
    opened_at: datetime = Field(description="开始时间")
    recommended: bool | None = Field(description="推荐/通过与否，未决定为 null")
    rank: int | None = Field(description="排名")
    total: float | None = Field(description="总分")
    decided_at: datetime | None = Field(description="决定时间")
    sent_at: datetime | None = Field(description="报送省中心时间")


class InstitutionOut(Schema):
    name: str = Field(description="机构名称")
    uscc: str = Field(description="统一社会信用代码")
    city: str = Field(description="所在地级以上市")
    category: str = Field(description="机构类别")


class CaseOut(Schema):
    id: int
    acknowledgement_no: str | None = Field(description="受理编号（提交时生成）")
    round: str = Field(description="遴选批次编码")
    kind: str = Field(description="申请类型：new 新申请、expansion 新增职业")
    institution: InstitutionOut
    receiving_agency: str = Field(description="受理机构")
    state: str = Field(description="案卷状态（英文标识，见 docs/workflow.md）")
    state_label: str = Field(description="案卷状态名称")
    submitted_at: datetime | None = Field(description="提交时间")
    lines: list[LineOut] = Field(description="申报职业及等级")
    stages: list[StageOut] = Field(description="各评审阶段记录")


class ActionOut(Schema):
    action: str = Field(description="操作标识，用于 POST /api/cases/{id}/actions/{action}")
    label: str = Field(description="操作名称")
    needs_reason: bool = Field(description="是否必须填写理由")


class CaseDetail(CaseOut):
    available_actions: list[ActionOut] = Field(description="当前用户现在可执行的操作")


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class ActionIn(Schema):
    reason: str = Field(
        "", max_length=2000, pattern=r"^[^\x00]*$", description="理由（部分操作必填）"
    )


class Me(Schema):
    username: str
    role: str = Field(description="角色（英文标识）")
    role_label: str = Field(description="角色名称")
    agency: str = Field(description="所属机构")
    token_scope: str = Field(description="令牌权限：read 只读、write 读写")
    token_expires_at: datetime = Field(description="令牌到期时间")


class TodoItemOut(Schema):
    stage: str = Field(description="阶段（英文标识），如 city_review")
    kind: str = Field(description="可执行的操作名称，如“初审通过／退回补正”")
    actions: list[str] = Field(description="可执行的操作（英文标识）")
    title: str = Field(description="事项对象，如机构名称、职业和等级")
    url: str = Field(description="办理页面的地址")
    deadline: date | None = Field(description="截止日期（含当天），没有时为空")
    workflow: str = Field(description="所属流程（英文标识），如 case、occupation_line")
    id: int | None = Field(description="对象编号；尚未开始的评估表为空")


class TodoKindOut(Schema):
    kind: str = Field(description="操作名称")
    count: int = Field(description="该类事项数")


class TodoGroupOut(Schema):
    stage: str = Field(description="阶段（英文标识）")
    label: str = Field(description="阶段名称")
    count: int = Field(description="本阶段事项数")
    kinds: list[TodoKindOut] = Field(description="按操作分类的事项数")
    items: list[TodoItemOut] = Field(description="事项，截止日期早的在前")


class TodoOut(Schema):
    count: int = Field(description="待办事项总数")
    groups: list[TodoGroupOut] = Field(description="按阶段分组（SPEC §6 的顺序）")
