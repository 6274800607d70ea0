"""No English left in the admin or the password messages (issue #10)."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from evalorg.accounts.models import User

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_admin_app_model_and_field_is_named_in_chinese():
    english = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            app = apps.get_app_config(model._meta.app_label)
            for what, name in [("app", app.verbose_name), ("model", model._meta.verbose_name)]:
                if not CJK.search(str(name)):
                    english.append((model._meta.label, what, str(name)))
            for field in model._meta.get_fields():
                name = getattr(field, "verbose_name", None)
                if name is not None and field.name != "id" and not CJK.search(str(name)):
                    english.append((model._meta.label, field.name, str(name)))
    assert english == []


def test_the_password_similarity_message_is_chinese():
    user = User(username="zhangsanfeng", full_name="张三")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        validate_password("zhangsanfeng1", user)
    assert "密码与用户名过于相似。" in info.value.messages
