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
    "expansion_registered": "代为登记新增职业申请",
    "case_viewed": "查阅案卷",
    "verification_saved": "保存材料核验",
    "conflict_declared": "回避声明",
    "scoresheet_saved": "保存评估表",
    "scoresheet_submitted": "提交评估表",
    "scoresheet_reopened": "重新开放评估表",
    "summary_downloaded": "下载推荐汇总表",
}


@register.filter
def event_label(action: str) -> str:
    from ..workflow import LINES, TABLE

    for table in (TABLE, LINES.table):
        if action in table:
            return str(table[action].label)
    return _(EVENT_LABELS.get(action, action))


@register.filter
def state_label(value: str) -> str:
    return str(dict(State.choices).get(value, value)) if value else ""
