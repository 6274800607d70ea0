"""The notice a round comes from is the round's data (issue 22): title, document number and
date, the 2023 notice by default, editable in the round admin, cited by the portal, the
publicity notice body and the filing letters; no page makes up a "2026年…通知" any more."""

from __future__ import annotations

import importlib
from datetime import date, datetime

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from evalorg.core.clock import SHANGHAI
from evalorg.publicity.services import create_notice
from evalorg.rounds.models import GOVERNING_NOTICE_TITLE, Round
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MADE_UP = "《关于做好广东省{year}年社会培训评价组织培育辅导遴选工作的通知》"
REAL = "《关于做好广东省2023年社会培训评价组织培育辅导遴选工作的通知》"


def _round_2026() -> Round:
    return Round.objects.get(code="gd-2023").copy(
        code="gd-2026", name="2026年遴选", year=2026, shift_days=3 * 365 + 1
    )


def test_a_round_defaults_to_the_real_2023_notice():
    round_ = _round_2026()
    assert round_.governing_notice_title == GOVERNING_NOTICE_TITLE
    assert round_.governing_notice_date == date(2023, 4, 28)
    assert round_.governing_notice() == REAL  # no number known: none written
    round_.governing_notice_number = "粤人社函〔2026〕1号"
    assert round_.governing_notice() == f"{REAL[:-1]}》（粤人社函〔2026〕1号）"


def test_the_portal_cites_the_round_s_notice(client):
    round_ = Round.objects.get(code="gd-2023")
    with time_machine.travel(datetime(2023, 5, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        page = client.get(reverse("home")).content.decode()
        assert REAL in page and "2023年4月28日" in page
        Round.objects.filter(pk=round_.pk).update(
            governing_notice_title="关于做好某项工作的通知",
            governing_notice_number="粤人社函〔2023〕99号",
            governing_notice_date=date(2023, 4, 30),
        )
        page = client.get(reverse("home")).content.decode()
    assert "《关于做好某项工作的通知》（粤人社函〔2023〕99号）" in page
    assert "2023年4月30日" in page and REAL not in page


def test_the_publicity_body_cites_the_notice_not_the_round_s_year():
    round_ = _round_2026()
    assert MADE_UP not in round_.publicity_template
    notice = create_notice(
        round_=round_,
        cases=[],
        title="公示",
        starts_on=date(2026, 9, 21),
        objections_to="省中心",
        template=round_.publicity_template,
        user=UserFactory(),
    )
    assert notice.body.startswith(f"根据{REAL}要求")
    assert "2026年社会培训评价组织" not in notice.body


def test_the_migration_rewrites_templates_that_made_up_a_notice():
    round_ = _round_2026()
    Round.objects.filter(pk=round_.pk).update(
        publicity_template=f"根据{MADE_UP}要求，现将{{round}}名单予以公示。"
    )
    migration = importlib.import_module("evalorg.rounds.migrations.0007_governing_notice")
    migration.cite_the_governing_notice(apps, None)
    round_.refresh_from_db()
    assert round_.publicity_template == "根据{notice}要求，现将{round}名单予以公示。"


def test_the_round_admin_edits_the_notice(rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    form = admin.site._registry[Round].get_form(request, Round.objects.get(code="gd-2023"))
    for field in ("governing_notice_title", "governing_notice_number", "governing_notice_date"):
        assert field in form.base_fields, field
