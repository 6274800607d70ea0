"""Publishing and ending a notice and handling an objection are irreversible (issue #10): a POST
without confirm=yes changes nothing and answers with the confirm page, in Chinese."""

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.models import Application
from evalorg.applications.workflow import perform
from evalorg.core.models import AuditEvent
from evalorg.publicity.models import PublicityNotice
from tests.publicity.conftest import (
    AFTER,
    BEFORE_START,
    DURING,
    approved,
    draft_notice,
    objection,
    published,
)

pytestmark = pytest.mark.django_db


def _asks(response, question: str) -> None:
    assert response.status_code == 409
    body = response.content.decode()
    assert question in body and 'name="confirm" value="yes"' in body
    assert "尚未执行任何操作" in body


def test_publish_asks_first(client, staff):
    notice = draft_notice([approved()], staff)
    client.force_login(staff)
    with time_machine.travel(BEFORE_START, tick=False):
        page = client.get(reverse("publicity:notice", args=[notice.pk])).content.decode()
        assert 'data-action="publish" data-confirm="确定发布公示吗' in page
        url = reverse("publicity:publish", args=[notice.pk])
        _asks(client.post(url), "确定发布公示吗")
        assert PublicityNotice.objects.get(pk=notice.pk).published_at is None
        assert set(Application.objects.values_list("state", flat=True)) == {"leadership_approved"}
        client.post(url, {"confirm": "yes"})
    assert PublicityNotice.objects.get(pk=notice.pk).published_at is not None


def test_ending_asks_first(client, staff):
    case = approved()
    notice = published([case], staff)
    with time_machine.travel(AFTER, tick=False):
        client.force_login(staff)
        page = client.get(reverse("publicity:notice", args=[notice.pk])).content.decode()
        assert 'data-action="end" data-confirm="确定办结公示吗' in page
        url = reverse("publicity:end", args=[notice.pk])
        _asks(client.post(url), "确定办结公示吗")
        assert Application.objects.get(pk=case.pk).state == "in_publicity"
        assert not AuditEvent.objects.filter(action="end_publicity").exists()
        client.post(url, {"confirm": "yes"})
    assert Application.objects.get(pk=case.pk).state == "cultivating"


@pytest.mark.parametrize(
    ("action", "question"),
    [("investigate", "确定开始调查核实该异议吗"), ("uphold", "确定认定异议成立吗")],
)
def test_objection_actions_ask_first(client, staff, action, question):
    case = approved()
    item = objection(published([case], staff), case)
    if action == "uphold":
        with time_machine.travel(DURING, tick=False):
            item = perform(item, "investigate", staff)
    client.force_login(staff)
    with time_machine.travel(DURING, tick=False):
        client.force_login(staff)
        page = client.get(reverse("publicity:objection", args=[item.pk])).content.decode()
        assert f'data-action="{action}" data-confirm="{question}' in page
        url = reverse("publicity:objection_action", args=[item.pk, action])
        _asks(client.post(url, {"reason": "经核实属实"}), question)
        before = item.status
        item.refresh_from_db()
        assert item.status == before and not item.resolution
        client.post(url, {"reason": "经核实属实", "confirm": "yes"})
    item.refresh_from_db()
    assert item.status == {"investigate": "investigating", "uphold": "upheld"}[action]


def test_what_is_known_to_fail_is_refused_before_asking(client, staff):
    """Issue 18 item 4: ending a notice whose period still runs, or upholding an objection
    without a reason, is refused (with its clause) without the confirm page; nothing changes."""
    case = approved()
    notice = published([case], staff)
    item = objection(notice, case)
    client.force_login(staff)
    with time_machine.travel(DURING, tick=False):
        item = perform(item, "investigate", staff)
        response = client.post(reverse("publicity:end", args=[notice.pk]))
        assert response.status_code == 302
        url = reverse("publicity:objection_action", args=[item.pk, "uphold"])
        refused = client.post(url, {"reason": " "})
        assert refused.status_code == 302
        page = client.get(refused.url).content.decode()
    assert "（N-4.1.3）" in page or "（SPEC" in page
    assert PublicityNotice.objects.get(pk=notice.pk).status == "published"
    item.refresh_from_db()
    assert item.status == "investigating"
