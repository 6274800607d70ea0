"""Draft notices (issue 22): every 生成预览 left a draft nobody could remove; the center now
discards one through the notice's workflow (audited, staff only), a leftover draft's refusal
names no internal id, and a new notice starts by default on the next working day."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from evalorg.applications.workflow import TransitionRefused, perform
from evalorg.core.models import AuditEvent
from evalorg.publicity.models import PublicityNotice
from tests.applications.conftest import SH
from tests.factories import CityStaffFactory
from tests.publicity.conftest import BEFORE_START, approved, draft_notice, published

pytestmark = pytest.mark.django_db


def _told(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_staff_discard_a_draft_which_leaves_the_list_and_is_audited(client, staff):
    case = approved()
    keep, drop = draft_notice([case], staff), draft_notice([case], staff)
    drop.title = "要删除的草稿"
    drop.save(update_fields=["title"])
    client.force_login(staff)
    page = client.get(reverse("publicity:notice", args=[drop.pk])).content.decode()
    assert 'data-action="discard"' in page

    response = client.post(reverse("publicity:discard", args=[drop.pk]), {"confirm": "yes"})

    assert response["Location"] == reverse("publicity:list")
    assert PublicityNotice.objects.get(pk=drop.pk).status == "discarded"
    assert PublicityNotice.objects.get(pk=keep.pk).status == "draft"
    event = AuditEvent.objects.get(action="discard")
    assert (event.from_state, event.to_state, event.actor) == ("draft", "discarded", staff)
    assert event.audience == "staff"
    listing = client.get(reverse("publicity:list")).content.decode()
    assert "要删除的草稿" not in listing and keep.title in listing
    page = client.get(reverse("publicity:notice", args=[drop.pk])).content.decode()
    assert "草稿已删除" in page and 'data-action="publish"' not in page
    assert case.notice_entries.count() == 2  # the case itself is untouched


def test_discarding_asks_first_and_a_published_notice_cannot_be_discarded(client, staff):
    notice = draft_notice([approved()], staff)
    client.force_login(staff)
    asked = client.post(reverse("publicity:discard", args=[notice.pk]))
    assert asked.status_code == 409 and "确定删除该公示草稿吗" in asked.content.decode()
    assert PublicityNotice.objects.get(pk=notice.pk).status == "draft"

    live = published([approved()], staff)
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused):
        perform(live, "discard", staff)
    client.post(reverse("publicity:discard", args=[live.pk]), {"confirm": "yes"})
    assert PublicityNotice.objects.get(pk=live.pk).status == "published"
    assert AuditEvent.objects.count() == before


def test_only_the_center_discards(client, staff):
    notice = draft_notice([approved()], staff)
    client.force_login(CityStaffFactory())
    response = client.post(reverse("publicity:discard", args=[notice.pk]), {"confirm": "yes"})
    assert response.status_code == 403
    assert PublicityNotice.objects.get(pk=notice.pk).status == "draft"


def test_publishing_a_leftover_draft_is_refused_in_plain_chinese(client, staff):
    case = approved()
    leftover = draft_notice([case], staff)
    published([case], staff)  # the case went out on another notice
    client.force_login(staff)
    with time_machine.travel(BEFORE_START, tick=False):
        response = client.post(reverse("publicity:publish", args=[leftover.pk]), {"confirm": "yes"})
    told = _told(response)
    assert told and all("SPEC-" not in m for m in told), told
    assert any("不能执行“发布公示”" in m for m in told), told
    assert PublicityNotice.objects.get(pk=leftover.pk).status == "draft"


@pytest.mark.parametrize(
    ("today", "default"),
    [
        (datetime(2023, 9, 26, 10, 0, tzinfo=SH), "2023-09-27"),  # Tuesday → Wednesday
        (datetime(2023, 9, 28, 10, 0, tzinfo=SH), "2023-10-07"),  # before 国庆: the 调休 Saturday
    ],
)
def test_a_new_notice_starts_on_the_next_working_day(client, staff, today, default):
    case = approved()
    client.force_login(staff)
    with time_machine.travel(today, tick=False):
        page = client.get(reverse("publicity:new") + f"?round={case.round_id}").content.decode()
    assert f'name="starts_on" value="{default}"' in page
