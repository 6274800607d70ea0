"""Named objections during the period only (N-4.1.3); captcha and a per-IP rate limit."""

from datetime import timedelta

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.urls import reverse

from evalorg.core import clock
from evalorg.publicity.models import Objection
from tests.publicity.conftest import BEFORE_START, DURING, END, START, approved, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(staff):
    return published([approved(), approved()], staff)


def _form(notice, **overrides):
    data = {
        "objector_name": "王异议",
        "objector_phone": "13912345678",
        "objector_email": "objector@example.org",
        "entry": notice.entries.first().pk,
        "grounds": "该机构申报材料与事实不符。",
        "captcha_0": "test",
        "captcha_1": "PASSED",
    }
    return data | overrides


def _post(client, notice, at, **overrides):
    url = reverse("public:objection_new", args=[notice.pk])
    with time_machine.travel(at, tick=False):
        return client.post(url, _form(notice, **overrides))


def test_one_second_before_the_end_is_accepted(client, notice):
    moment = clock.deadline_end(END) - timedelta(seconds=1)
    response = _post(client, notice, moment)
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.number == "YY-2023-0001"
    with time_machine.travel(moment, tick=False):
        done = client.get(response["Location"]).content.decode()
    assert "YY-2023-0001" in done


def test_one_second_after_the_end_is_refused_and_changes_nothing(client, notice):
    response = _post(client, notice, clock.deadline_end(END) + timedelta(seconds=1))
    assert response.status_code == 400
    page = response.content.decode()
    assert "逾期提出的异议不予受理" in page and "N-4.1.3" in page
    assert not Objection.objects.exists()


def test_before_the_start_is_refused(client, notice):
    response = _post(client, notice, clock.deadline_end(START) - timedelta(days=1))
    assert response.status_code == 400
    assert "公示期开始前不受理异议" in response.content.decode()
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"objector_name": ""}, "匿名反映不予受理"),
        ({"objector_phone": "", "objector_email": ""}, "视为匿名，不予受理"),
    ],
)
def test_anonymous_objections_are_refused(client, notice, overrides, message):
    response = _post(client, notice, DURING, **overrides)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "N-4.1.3" in page
    assert not Objection.objects.exists()


def test_phone_or_email_alone_is_enough_and_is_validated(client, notice):
    assert _post(client, notice, DURING, objector_email="").status_code == 302
    assert _post(client, notice, DURING, objector_phone="").status_code == 302
    bad = _post(client, notice, DURING, objector_phone="12345", objector_email="")
    assert "请填写有效的手机号码" in bad.content.decode()
    assert list(Objection.objects.values_list("number", flat=True).order_by("number")) == [
        "YY-2023-0001",
        "YY-2023-0002",
    ]


def test_the_captcha_is_required(client, notice):
    response = _post(client, notice, DURING, captcha_1="WRONG")
    assert "验证码错误" in response.content.decode()
    assert not Objection.objects.exists()


def test_the_captcha_image_is_drawn_locally(client, notice):
    with time_machine.travel(DURING, tick=False):
        page = client.get(reverse("public:objection_new", args=[notice.pk])).content.decode()
    key = CaptchaStore.objects.latest("pk").hashkey
    image_url = reverse("captcha-image", args=[key])
    assert image_url in page
    response = client.get(image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_refused_attempts_do_not_count_against_the_hourly_limit(client, notice):
    for _ in range(5):
        assert _post(client, notice, DURING, captcha_1="WRONG").status_code == 400
    assert _post(client, notice, DURING).status_code == 302
    assert Objection.objects.count() == 1


def test_the_sixth_accepted_objection_keeps_the_typed_content(client, notice):
    for _ in range(5):
        assert _post(client, notice, DURING).status_code == 302
    grounds = "第六件：该机构的考评人员不具备相应资格。"
    response = _post(client, notice, DURING, grounds=grounds, objector_name="李六")
    page = response.content.decode()
    assert response.status_code == 429
    assert "提交过于频繁" in page and "内容已保留" in page
    assert grounds in page and 'value="李六"' in page
    assert Objection.objects.count() == 5


def test_attempts_of_any_outcome_are_limited_too(client, notice):
    for _ in range(30):
        _post(client, notice, DURING, captcha_1="WRONG")
    response = _post(client, notice, DURING)
    assert response.status_code == 429 and "该机构申报材料与事实不符" in response.content.decode()
    assert not Objection.objects.exists()


def test_the_form_is_styled_and_a_refusal_keeps_the_content(client, notice):
    response = _post(client, notice, DURING, captcha_1="WRONG", grounds="理由保留测试")
    page = response.content.decode()
    assert 'class="form-control' in page and 'class="form-select' in page
    assert "理由保留测试" in page and "验证码错误" in page


def test_evidence_is_checked_and_kept(client, notice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.conftest import PDF_BYTES

    pdf = SimpleUploadedFile("证据.pdf", PDF_BYTES)
    assert _post(client, notice, DURING, evidence=pdf).status_code == 302
    assert Objection.objects.get().evidence.kind == "pdf"
    exe = SimpleUploadedFile("证据.pdf", b"MZ\x90\x00not a pdf")
    response = _post(client, notice, DURING, evidence=exe)
    assert "实际类型不是允许的类型" in response.content.decode()
    assert Objection.objects.count() == 1


def test_the_public_page_offers_the_form_only_during_the_period(client, notice):
    url = reverse("public:notice", args=[notice.pk])
    with time_machine.travel(DURING, tick=False):
        page = client.get(url).content.decode()
    assert reverse("public:objection_new", args=[notice.pk]) in page
    assert 'data-testid="countdown"' in page and "还剩 3 天" in page
    with time_machine.travel(BEFORE_START, tick=False):
        assert "即将开始" in client.get(url).content.decode()


def test_the_hourly_limit_is_counted_in_the_shared_cache(client, notice, settings):
    """The counter lives in Django's default cache (Redis in deployment, so every process and
    server counts the same objections), not in the process: emptying the cache frees the
    address again."""
    from django.core.cache import cache

    for _ in range(5):
        assert _post(client, notice, DURING).status_code == 302
    assert _post(client, notice, DURING).status_code == 429
    cache.clear()
    assert _post(client, notice, DURING).status_code == 302
    assert Objection.objects.count() == 6
