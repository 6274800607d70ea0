"""Public notice pages: no personal data in HTML or PDF; constant queries."""

import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from tests.applications.conftest import applicant_of
from tests.publicity.conftest import (
    DURING,
    approved,
    objection,
    pii_institution,
    province_staff,
    published,
)

pytestmark = pytest.mark.django_db


def _personal_data(cases) -> list[str]:
    values = []
    for case in cases:
        institution = case.institution
        values += [
            institution.contact_name,
            institution.contact_phone,
            institution.contact_email,
            institution.legal_rep_name,
            institution.legal_rep_id_number,
            applicant_of(case).email,
            applicant_of(case).full_name,
        ]
    return [v for v in values if v]


def test_no_personal_data_in_the_notice_html_or_pdf(client, django_capture_on_commit_callbacks):
    staff = province_staff()
    cases = [approved(pii_institution(n)) for n in (1, 2)]
    notice = published(cases, staff)
    with time_machine.travel(DURING, tick=False):
        html = client.get(reverse("public:notice", args=[notice.pk])).content.decode()
        listing = client.get(reverse("public:notices")).content.decode()
        url = reverse("public:notice_pdf", args=[notice.pk])
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(url).status_code == 202  # the worker builds it
        pdf = b"".join(client.get(url).streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    for case in cases:
        assert case.institution.name in html and case.institution.name in compact
    assert "焊工" in compact  # the occupations are listed
    secrets = _personal_data(cases)
    assert len(secrets) == 14
    for secret in secrets:
        assert secret not in html, secret
        assert secret not in listing, secret
        assert secret not in compact, secret


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_public_list_queries_do_not_grow_with_notices(client):
    staff = province_staff()
    published([approved()], staff)
    one = _count(client, reverse("public:notices"))
    for _ in range(3):
        published([approved(), approved()], staff)
    assert _count(client, reverse("public:notices")) == one


def test_staff_objection_list_queries_do_not_grow(client):
    staff = province_staff()
    cases = [approved() for _ in range(3)]
    notice = published(cases, staff)
    objection(notice, cases[0])
    client.force_login(staff)
    url = reverse("publicity:objections", args=[notice.pk])
    one = _count(client, url)
    for case in cases:
        objection(notice, case)
        objection(notice, case)
    assert _count(client, url) == one
    assert _count(client, url + "?status=received") == one


def test_the_running_notice_is_listed_first_with_one_countdown(client):
    from datetime import timedelta

    from evalorg.publicity.services import publish_notice
    from tests.publicity.conftest import START, draft_notice

    staff = province_staff()
    early = START - timedelta(days=20)
    with time_machine.travel(early - timedelta(days=1), tick=False):
        ended = publish_notice(draft_notice([approved()], staff, early), staff)
    ended.title = "已结束的公示"
    ended.save(update_fields=["title"])
    upcoming = published([approved()], staff, start=START + timedelta(days=40))
    upcoming.title = "即将开始的公示"
    upcoming.save(update_fields=["title"])
    running = published([approved()], staff)
    with time_machine.travel(DURING, tick=False):
        listing = client.get(reverse("public:notices")).content.decode()
        page = client.get(reverse("public:notice", args=[running.pk])).content.decode()
    order = [listing.index(t) for t in (running.title, "即将开始的公示", "已结束的公示")]
    assert order == sorted(order)
    assert page.count("data-countdown-deadline") == 1
    assert "还剩 3 天" in page and "（含当天）" in page
