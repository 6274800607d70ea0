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


def test_405_of_a_post_only_url_is_chinese_and_keeps_allow(client):
    response = client.get(reverse("accounts:logout"))
    page = response.content.decode()
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert "请求方式不支持" in page and "返回首页" in page


def test_empty_503_gets_the_chinese_page(client, settings):
    from django.http import HttpResponse
    from django.urls import include, path

    def down(request):
        response = HttpResponse(status=503)
        response["Retry-After"] = "30"
        return response

    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("down/", down), path("", include("evalorg.urls"))]}
    )
    response = client.get("/down/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "服务暂不可用" in response.content.decode()


def test_a_405_with_a_body_is_left_alone(client):
    response = client.get("/api/public/registry", REQUEST_METHOD="DELETE")
    assert response.status_code == 405 and "请求方式不支持" not in response.content.decode()


def test_csrf_failure_is_the_chinese_expired_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("accounts:login"), {"username": "x", "password": "y"}
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "返回上一页" in page and "Forbidden" not in page


def test_make_run_serves_without_debug_so_errors_are_the_chinese_pages():
    """Under DEBUG a 404 is Django's English page with the URL map; the demo does not run so."""
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "scripts" / "run-dev.sh").read_text()
    assert "DJANGO_DEBUG=${DJANGO_DEBUG:-0}" in script
    assert "collectstatic" in script  # without DEBUG, WhiteNoise serves the collected files


def test_refusals_show_notice_clauses_but_not_internal_ids():
    from evalorg.core.workflow import Refusal

    assert Refusal("N-4.1.3", "公示期已结束。").shown == "公示期已结束。（N-4.1.3）"
    assert Refusal("SPEC-5", "当前状态不能发布。").shown == "当前状态不能发布。"


def test_no_message_text_cites_an_internal_spec_id():
    """User-facing strings cite the notice's clauses (N-…), never our SPEC-n ids."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "evalorg"
    cited = re.compile(r"[（(]SPEC-\d+[）)]")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in [*root.rglob("*.py"), *root.rglob("*.html")]
        if "migrations" not in path.parts and path.parts[-2] != "api"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if cited.search(line)
    ]
    assert offenders == []


def test_pages_show_refusals_by_their_shown_text():
    """``str(refusal)`` always appends the clause, SPEC-n ids included; a page shows
    ``refusal.shown`` (issue 22: the identity change form showed "（SPEC-5）")."""
    import re
    from pathlib import Path

    from evalorg.core.workflow import Refusal

    root = Path(__file__).resolve().parents[2] / "evalorg"
    formatted = re.compile(r"str\(refusal\)")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("views*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if formatted.search(line)
    ]
    assert offenders == []
    assert formatted.search("form.add_error(None, str(refusal))")  # the walk finds one
    assert str(Refusal("SPEC-5", "x")) == "x（SPEC-5）"  # why it must not be used
