from django import template
from django.utils.translation import gettext as _

from ..models import State

register = template.Library()

EVENT_LABELS = {
    "application_created": "新建申请",
    "application_step_saved": "保存草稿",
    "occupation_added": "添加申报职业",
    "occupation_removed": "移除申报职业",
    "material_uploaded": "上传材料",
    "material_removed": "移除材料",
    "material_viewed": "查阅材料",
    "application_pdf_viewed": "下载申请表",
    "expansion_registered": "代为登记新增职业申请",
    "case_viewed": "查阅案卷",
    "contact_phone_revealed": "显示机构联系电话",
    "contact_email_revealed": "显示机构电子邮箱",
    "institution_viewed_admin": "后台查阅机构信息",
    "verification_saved": "保存材料核验",
    "finding_resolved": "记录人工核查结论",
    "expert_added_to_pool": "加入专家库",
    "scoresheet_viewed": "查看专家评估表",
    "conflict_declared": "回避声明",
    "scoresheet_saved": "保存评估表",
    "scoresheet_submitted": "提交评估表",
    "scoresheet_reopened": "重新开放评估表",
    "summary_downloaded": "下载推荐汇总表",
    "account_locked": "账户锁定",
    "application_assigned": "分配评审组",
    "application_unassigned": "撤销评审组分配",
    "chain_leader_designated": "认定链主培育单位",
    "identity_change_requested": "申请变更登记信息",
    "institution_identity_changed": "变更登记信息",
    "deadline_extended": "重新开放报送",
    "decision_recorded": "记录评审意见",
    "decision_revised": "修改评审意见",
    "declarations_saved": "保存排除情形声明",
    "declaration_evidence_viewed": "查阅排除情形证明材料",
    "defense_attendance": "记录答辩出席情况",
    "defense_change_requested": "申请调整答辩时间",
    "defense_reordered": "调整答辩顺序",
    "defense_session_created": "安排答辩场次",
    "defense_slot_added": "列入答辩场次",
    "defense_slot_confirmed": "确认答辩时间",
    "defense_slot_rescheduled": "调整答辩时间",
    "institution_registered": "机构注册",
    "institution_updated": "修改机构信息",
    "leadership_decision_recorded": "记录领导小组审定",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "api_token_created": "创建 API 令牌",
    "api_token_revoked": "撤销 API 令牌",
    "api_token_used": "使用 API 令牌",
    "report_exported": "导出统计报表",
    "otp_enrolled": "启用双因素认证",
    "otp_verified": "通过动态验证码验证",
    "otp_reset": "管理员重置双因素认证",
    "recovery_code_used": "使用备用验证码登录",
    "signup_activated": "激活注册账户",
    "signup_activation_resent": "重新发送激活邮件",
    "signup_expired": "注册账户逾期未激活，释放用户名和统一社会信用代码",
    "member_added": "添加机构账户",
    "minutes_viewed": "查阅会议纪要",
    "acceptance_batch_created": "创建验收批次",
    "acceptance_minutes_viewed": "查阅验收批次会议纪要",
    "notice_created": "拟定公示公告",
    "notice_published": "发布公示公告",
    "objection_evidence_viewed": "查阅异议证明材料",
    "objection_filed": "提出异议",
    "objection_viewed": "查阅异议人信息",
    "panel_created": "组建评审组",
    "panel_member_added": "评审组增加专家",
    "panel_member_removed": "评审组移出专家",
    "province_received": "省中心接收报送",
    "user_registered": "注册账户",
    "commitment_signed": "签署承诺书",
    "deliverable_uploaded": "上传题库成果",
    "bank_requirements_changed": "修改题库要求（重新检查）",
    "account_created": "创建账户",
    "account_unlocked": "解除账户锁定",
    "simulation_removed": "删除模拟批次",
    "account_deactivated": "停用账户",
    "calendar_year_generated": "生成年度工作日历（待核对）",
    "calendar_year_imported": "导入年度工作日历（国务院通知）",
    "deliverable_downloaded": "下载题库成果",
    "annotated_workbook_downloaded": "下载标注问题的题库工作簿",
    "sample_papers_downloaded": "下载题库样卷及答案",
    "bank_reviewer_assigned": "指派题库评审专家",
    "bank_review_saved": "保存题库评审意见",
    "bank_check_finished": "题库后台检查完成",
    "bank_check_failed": "题库后台检查出错",
    "supervision_note_added": "添加属地监管记录",
    "download_filing_letter": "下载备案函",
    "filing_letter_documents": "备案函文件已生成",
    "training_attendance_recorded": "记录考务培训出席",
    "training_session_created": "安排考务培训",
    "assessment_plan_submitted": "登记认定计划",
    "assessment_roster_read": "下载认定名册",
    "sanction_drafted": "起草处理决定",
    "inspection_drawn": "双随机抽查抽取",
    "sanction_evidence_viewed": "查阅处理决定证据",
    "sanction_minutes_viewed": "查阅处理决定会议纪要",
    "complaint_filed": "提出投诉",
    "complaint_evidence_viewed": "查阅投诉证明材料",
}


@register.filter
def event_label(action: str) -> str:
    from evalorg.core.workflow import workflows

    for workflow in workflows():
        if action in workflow.table:
            return str(workflow.table[action].label)
    return _(EVENT_LABELS.get(action, action))


@register.filter
def state_label(value: str) -> str:
    return str(dict(State.choices).get(value, value)) if value else ""
