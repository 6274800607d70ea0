"""消息 pages: list, one message, mark read; only the recipient sees a message."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalorg.accounts.models import Agency, Role
from evalorg.core import clock
from evalorg.notify.models import Message
from tests.factories import CityStaffFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("notify:list")
READ_ALL = reverse("notify:read_all")


@pytest.fixture
def me(client):
    user = CityStaffFactory()
    client.force_login(user)
    return user


def _messages(user, count: int, **fields) -> list[Message]:
    return Message.objects.bulk_create(
        Message(recipient=user, subject=f"消息{i:02d}", **fields) for i in range(count)
    )


def _detail(message: Message) -> str:
    return reverse("notify:detail", args=[message.pk])


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_messages(client, me, django_assert_num_queries):
    _messages(me, 1)
    client.get(LIST)  # warm caches (content types, sessions)
    with_one = _list_queries(client)
    _messages(me, 29)
    with django_assert_num_queries(with_one):
        response = client.get(LIST)
    assert response.content.decode().count('data-testid="unread"') == 20  # one page


def test_list_is_newest_first_unread_bold_and_paged(client, me):
    old, new = _messages(me, 2)
    Message.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=1))
    Message.objects.filter(pk=new.pk).update(read_at=clock.now())
    html = client.get(LIST).content.decode()
    assert html.index("消息01") < html.index("消息00")
    assert html.count('class="fw-bold"') == 1
    _messages(me, 25)
    assert "第 1 / 2 页" in client.get(LIST).content.decode()
    assert client.get(LIST + "?page=2").status_code == 200


def test_list_shows_only_my_messages(client, me):
    _messages(UserFactory(), 1, body="别人的")
    assert "消息00" not in client.get(LIST).content.decode()


def test_opening_a_message_marks_it_read_and_shows_its_link(client, me):
    (message,) = _messages(me, 1, body="请查看", url="/applications/1/")
    response = client.get(_detail(message))
    assert response.status_code == 200
    assert 'href="/applications/1/"' in response.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_link_off_this_site_is_not_shown(client, me):
    (message,) = _messages(me, 1, url="https://evil.example.com/")
    assert "evil.example.com" not in client.get(_detail(message)).content.decode()


def test_another_users_message_is_404_and_stays_unread(client, me):
    (theirs,) = _messages(UserFactory(), 1)
    assert client.get(_detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_sent_to_login(client):
    (message,) = _messages(UserFactory(), 1)
    for url in [LIST, _detail(message), READ_ALL]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(READ_ALL).status_code == 302
    assert Message.objects.filter(read_at__isnull=True).count() == 1


def test_mark_all_read_marks_only_mine(client, me):
    _messages(me, 3)
    _messages(UserFactory(), 2)
    assert client.get(READ_ALL).status_code == 405
    response = client.post(READ_ALL)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Message.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Message.objects.exclude(recipient=me).filter(read_at__isnull=True).count() == 2


AGENCY_OF = {
    Role.CITY_STAFF: Agency.Kind.CITY,
    Role.PROVINCE_STAFF: Agency.Kind.PROVINCE,
    Role.DEPARTMENT: Agency.Kind.DEPARTMENT,
}


def _agency(role: str) -> Agency | None:
    kind = AGENCY_OF.get(role)
    return Agency.objects.filter(kind=kind).first() if kind else None


@pytest.mark.parametrize("role", Role.values)
def test_every_role_has_the_entry_with_an_unread_badge(client, role):
    user = UserFactory(role=role, agency=_agency(role))
    client.force_login(user)
    _messages(user, 3)
    Message.objects.filter(subject="消息00").update(read_at=clock.now())
    html = client.get(LIST).content.decode()
    assert f'href="{LIST}">消息 <span class="badge' in html
    assert 'data-testid="nav-badge">2</span>' in html


def test_no_badge_when_all_read(client, me):
    _messages(me, 1, read_at=clock.now())
    html = client.get(LIST).content.decode()
    assert f'href="{LIST}">消息</a>' in html
    assert "nav-badge" not in html
