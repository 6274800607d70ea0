"""Issue 11, item 3: a Content-Security-Policy on every response, and no page that needs
'unsafe-inline': no inline <script>, <style>, style="" or on*="" attribute, no javascript: URL.

Generic on purpose: every parameterless route of the URL conf is fetched as every role, plus
object pages of a real case, and every served template is scanned, so a new page with an inline
script fails here without anyone listing it."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from evalorg.accounts.models import Agency, Role
from evalorg.applications import workflow
from tests.applications.conftest import applicant_of, build_application
from tests.factories import CityStaffFactory, UserFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "evalorg"]
REQUIRED = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        # Data blocks (json_script, Swagger UI's settings) are not executed, so CSP lets them be.
        data_block = (names.get("type") or "").startswith("application/json")
        if tag == "script" and not names.get("src") and not data_block:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def _named_routes(patterns=None, namespace: str = ""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if inner.startswith("admin:"):
                continue  # the admin's few pages are listed below
            yield from _named_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def parameterless_urls() -> list[str]:
    urls = []
    for name in sorted(set(_named_routes())):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue  # takes an object: covered by object_urls
    return urls


def _agency(kind: str) -> Agency:
    return Agency.objects.filter(kind=kind).first()


def _users():
    return {
        "anonymous": None,
        "city_staff": CityStaffFactory(),
        "province_staff": UserFactory(
            role=Role.PROVINCE_STAFF, agency=_agency(Agency.Kind.PROVINCE)
        ),
        "department": UserFactory(role=Role.DEPARTMENT, agency=_agency(Agency.Kind.DEPARTMENT)),
        "expert": UserFactory(role=Role.EXPERT),
        "admin": UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
    }


def _check(response, url: str, problems: list[str]) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    missing = [directive for directive in REQUIRED if directive not in policy]
    if missing or "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"{url}: header {policy!r}")
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        for found in inline_code(response.content.decode()):
            problems.append(f"{url}: {found}")


def test_every_parameterless_page_has_the_policy_and_no_inline_code(client):
    users = _users()
    case = build_application()
    urls = parameterless_urls()
    assert len(urls) > 30
    problems: list[str] = []
    for role, user in users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            if url == reverse("accounts:logout"):
                continue
            _check(client.get(url), f"{role} {url}", problems)
    client.force_login(applicant_of(case))
    for url in urls:
        _check(client.get(url), f"applicant {url}", problems)
    assert problems == []


def test_object_pages_and_the_admin_have_the_policy_and_no_inline_code(client):
    users = _users()
    application = build_application()
    with time_machine.travel(datetime(2023, 5, 10, tzinfo=SH), tick=False):
        case = workflow.perform(application, "submit", applicant_of(application))
    problems: list[str] = []
    client.force_login(applicant_of(case))
    _check(client.get(reverse("applications:detail", args=[case.pk])), "applicant case", problems)
    client.force_login(users["city_staff"])
    _check(client.get(reverse("applications:detail", args=[case.pk])), "staff case", problems)
    client.force_login(users["admin"])
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[users["expert"].pk]),
        reverse("admin:institutions_institution_change", args=[case.institution.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        _check(response, url, problems)
    assert problems == []


def test_second_factor_enrolment_page_has_no_inline_code(client):
    client.force_login(UserFactory(role=Role.EXPERT), otp=False)
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 200 and "<svg" in response.content.decode()
    problems: list[str] = []
    _check(response, "otp setup", problems)
    assert problems == []


PDF_ONLY = re.compile(r"{%\s*extends\s+[\"']documents/print_base.html[\"']")


def served_templates() -> list[Path]:
    """Every HTML template a browser may receive (those for WeasyPrint's PDFs excepted: they
    are rendered on the server and never served as HTML)."""
    templates = []
    for path in sorted(TEMPLATE_DIRS[0].glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if path.name == "print_base.html" or PDF_ONLY.search(text):
            continue
        templates.append(path)
    return templates


def test_no_served_template_contains_inline_code():
    templates = served_templates()
    assert len(templates) > 50
    problems = [
        f"{path.relative_to(settings.BASE_DIR)}: {found}"
        for path in templates
        for found in inline_code(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_the_finder_catches_each_kind_of_inline_code():
    assert inline_code("<script>alert(1)</script>") == ["<script> without src"]
    assert inline_code('<script type="application/json" id="d">{"a": 1}</script>') == []
    assert inline_code('<script src="/static/x.js"></script>') == []
    assert inline_code("<style>p{}</style>") == ["<style> block"]
    assert inline_code('<p style="color:red">') == ['style="color:red" on <p>']
    assert inline_code('<button onclick="x()">') == ["onclick= on <button>"]
    assert inline_code('<a href="javascript:history.back()">') == ["javascript: URL on <a>"]


def test_htmx_is_told_not_to_inject_styles_or_eval(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
