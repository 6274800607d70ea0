"""The inbox's filter selects, built in Python.

Django renders a ``Select`` through a template per option; with the county, state,
category, review and sort filters that was a seventh of the inbox's time (cProfile, issue
12). Same markup: name, id, the widget's attributes, the options with the bound value
selected.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def filter_select(field: BoundField) -> SafeString:
    value = field.value()
    chosen = "" if value is None else str(value)
    attrs = {"name": field.html_name, "id": field.auto_id, **field.field.widget.attrs}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, " selected" if str(key) == chosen else "", label)
            for key, label in field.field.choices
        ),
    )
    return format_html(
        "<select{}>{}</select>",
        format_html_join("", ' {}="{}"', attrs.items()),
        options,
    )
