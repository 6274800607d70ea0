"""Chinese texts for the API's 422 answers (issue 22): pydantic's messages are English, so each
error keeps its ``type`` and ``loc`` for machines and gets a Chinese ``msg`` for people."""

from __future__ import annotations

import re
from typing import Any

CJK = re.compile(r"[\u4e00-\u9fff]")

# pydantic error type → message; {name} placeholders are filled from the error's ``ctx``.
MESSAGES = {
    "missing": "缺少必填参数。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "float_parsing": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "date_parsing": "应为日期，格式如 2023-05-19。",
    "date_from_datetime_parsing": "应为日期，格式如 2023-05-19。",
    "datetime_parsing": "应为日期时间，格式如 2023-05-19T09:00:00+08:00。",
    "greater_than": "应大于 {gt}。",
    "greater_than_equal": "应不小于 {ge}。",
    "less_than": "应小于 {lt}。",
    "less_than_equal": "应不大于 {le}。",
    "string_type": "应为文本。",
    "string_too_short": "至少 {min_length} 个字符。",
    "string_too_long": "最多 {max_length} 个字符。",
    "string_pattern_mismatch": "格式不正确。",
    "literal_error": "取值应为以下之一：{expected}。",
    "enum": "取值应为以下之一：{expected}。",
    "json_invalid": "请求正文不是有效的 JSON。",
    "model_attributes_type": "请求正文应为 JSON 对象。",
    "dict_type": "请求正文应为 JSON 对象。",
    "list_type": "应为列表。",
}
FALLBACK = "取值不符合接口说明。"


def chinese_message(error: dict[str, Any]) -> str:
    """The Chinese text of one pydantic error; a validator's own Chinese message is kept."""
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error" and CJK.search(message):
        return message.removeprefix("Value error, ")
    template = MESSAGES.get(str(error.get("type")), FALLBACK)
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return FALLBACK


def in_chinese(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**error, "msg": chinese_message(error)} for error in errors]
