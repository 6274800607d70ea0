"""Chinese error pages with the reason the view gave and a way back (issue 10)."""

import pytest
from django.urls import reverse

from tests.factories import CityStaffFactory

pytestmark = pytest.mark.django_db


def test_404_is_chinese_with_a_way_back(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page and "Not Found" not in page


def test_403_shows_the_reason_the_view_gave(client):
    client.force_login(CityStaffFactory())
    response = client.get(reverse("review:extend"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in page and "仅省职业技能服务指导中心可以重新开放报送" in page
    assert "403 Forbidden" not in page


def test_500_page_is_chinese(client, settings):
    from django.test import Client
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("boom/", boom)]})
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "系统错误" in response.content.decode()
