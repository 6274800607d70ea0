"""The city-managed expert pool (issue #10): a city agency's staff add experts (name, employer
with its USCC, fields, contact), so a conflict of interest can no longer leave a case below the
minimum panel size for want of experts. Each new expert gets an account with no password and
an invitation e-mail with a link to set one (Django's password-reset token, valid
``PASSWORD_RESET_TIMEOUT``). Only the agency's own staff see and grow its pool."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from evalorg.accounts.models import Agency, Role, User
from evalorg.core import audit
from evalorg.notify.services import queue_email

from .models import ExpertProfile


def add_expert(agency: Agency, data: dict, actor: User, request: HttpRequest) -> User:
    """Create the expert's account (no password yet) and profile; send the invitation."""
    with transaction.atomic():
        user = User(
            username=data["email"],
            email=data["email"],
            full_name=data["full_name"],
            phone=data["phone"],
            role=Role.EXPERT,
        )
        user.set_unusable_password()
        user.save()
        ExpertProfile.objects.create(
            user=user,
            employer_name=data["employer_name"],
            employer_uscc=data["employer_uscc"],
            city=agency.division if agency.kind == Agency.Kind.CITY else None,
            specialties=sorted(data["specialties"]),
            title=data.get("title", ""),
            pool_agency=agency,
            added_by=actor,
        )
        audit.record(
            "expert_added_to_pool",
            user,
            actor=actor,
            data={"agency": agency.pk, "employer_uscc": data["employer_uscc"]},
        )
        link = request.build_absolute_uri(
            reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
        )
        queue_email(
            [user.email],
            _("广东省社会培训评价组织遴选备案系统：专家账号开通"),
            _(
                "%(name)s：\n%(agency)s已将您加入专家库。您的登录账号是 %(username)s。"
                "请打开以下链接设置登录密码：\n%(link)s"
            )
            % {
                "name": user.full_name,
                "agency": agency.name,
                "username": user.username,
                "link": link,
            },
        )
    return user
