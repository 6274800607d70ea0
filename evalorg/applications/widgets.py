"""Select widgets that build their HTML in Python (issue 12, deadline surge).

Django's ``Select`` renders one template include per option (``select_option.html`` and
``attrs.html``): on the wizard's institution step that was about a third of the page's CPU
(the city, county, category and level lists). ``FastSelect`` writes the same HTML, byte for
byte, from the same ``get_context()`` (tests/applications/test_widgets.py compares both).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def attrs_html(attrs: dict[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html``: ``False`` drops an attribute, ``True``
    writes it bare, anything else as ``name="value"`` (autoescaped)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _option(option: dict[str, Any]) -> str:
    return (
        f'\n  <option value="{conditional_escape(str(option["value"]))}"'
        f"{attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
    )


def select_html(widget: dict[str, Any]) -> SafeString:
    """``django/forms/widgets/select.html`` for the ``widget`` part of a Select's context."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(_option(option) for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # every value above is escaped


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        return select_html(self.get_context(name, value, attrs)["widget"])
