"""The public notice PDF is laid out once by the worker and served from storage: an anonymous
GET never lays it out (issue 24: 8.9 s of CPU and 350 MB per request at 1,000 cases)."""

import pytest
import time_machine
from django.urls import reverse

from evalorg.documents import built, pdf
from evalorg.documents.models import BuiltDocument
from evalorg.publicity.documents import NOTICE_PDF

from .conftest import DURING, approved, draft_notice, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def layouts(monkeypatch):
    """Counts WeasyPrint layouts."""
    calls: list[int] = []
    real = pdf.html_to_pdf

    def counting(html: str) -> bytes:
        calls.append(len(html))
        return real(html)

    monkeypatch.setattr(built, "html_to_pdf", counting)
    return calls


def _get(client, notice):
    with time_machine.travel(DURING, tick=False):
        return client.get(reverse("public:notice_pdf", args=[notice.pk]))


def test_publishing_builds_the_pdf_once_and_gets_serve_it(
    client, staff, layouts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = published([approved(), approved()], staff)
    assert len(layouts) == 1 and BuiltDocument.objects.filter(name=NOTICE_PDF).count() == 1
    for _ in range(3):
        response = _get(client, notice)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert len(layouts) == 1  # three downloads, no layout


def test_without_a_build_the_request_queues_one_and_says_it_is_being_prepared(
    client, staff, layouts, django_capture_on_commit_callbacks
):
    notice = published([approved()], staff)  # on_commit not run: nothing built yet
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = _get(client, notice)
        again = _get(client, notice)
    assert first.status_code == again.status_code == 202
    assert first["Retry-After"] == "30"
    assert "正在生成" in first.content.decode()
    assert len(queued) == 1  # one build queued for two requests
    assert layouts == []  # nothing laid out inside a request


def test_a_changed_source_is_built_again(
    client, staff, layouts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = published([approved()], staff)
    type(notice).objects.filter(pk=notice.pk).update(objections_to="省中心，电话 020-1")
    with django_capture_on_commit_callbacks(execute=True):
        assert _get(client, notice).status_code == 202  # the old build no longer matches
    assert _get(client, notice).status_code == 200
    assert len(layouts) == 2
    assert BuiltDocument.objects.filter(name=NOTICE_PDF, object_id=notice.pk).count() == 2


def test_a_draft_notice_has_no_public_pdf(client, staff):
    notice = draft_notice([approved()], staff)
    assert _get(client, notice).status_code == 404
