"""Beyond one machine (issue 12): two gunicorn instances on one PostgreSQL database, one Redis
and one upload directory, with a separate task worker (fixture ``cluster``, conftest.py).

Through HTTP, with one cookie jar: an applicant signs in through A, uploads a PDF through A,
downloads the same bytes through B, submits through B, and logs out through B, which ends the
session on A too. The acknowledgement e-mail goes out once, sent by the worker (the only
process whose mail folder receives it; the outbox row is ``sent`` after one attempt). A rate
limit counted through A stops a request through B (the counters are in Redis).
"""

from __future__ import annotations

import email
import re
import time
import uuid
from email.header import decode_header, make_header

import pytest
import requests

from tests.factories import MINIMAL_PDF

from .conftest import WORKER_ID, Cluster, on_postgres

pytestmark = [
    pytest.mark.multiserver,
    pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL (the PostgreSQL leg)"),
]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACK = re.compile(r"\d{4}-\d{4}-\d{4}")
TIMEOUT = 30  # seconds for one request (a login hashes a password on a busy machine)


def csrf(response: requests.Response) -> str:
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url} ({response.status_code})"
    return match.group(1)


def post(web: requests.Session, url: str, data: dict, **extra) -> requests.Response:
    """GET the form, POST it with its token; redirects are not followed."""
    token = csrf(web.get(url, timeout=TIMEOUT))
    return web.post(
        url, {**data, "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=TIMEOUT, **extra
    )


def sign_in(web: requests.Session, base: str, login: dict) -> None:
    answer = post(
        web,
        f"{base}/accounts/login/",
        {"username": login["username"], "password": login["password"]},
    )
    assert answer.status_code == 302, answer.text[:500]


def save_institution_step(web: requests.Session, base: str, pk: int) -> None:
    answer = post(
        web,
        f"{base}/applications/{pk}/institution/",
        {
            "name": f"广州双机测试{pk}职业培训有限公司",
            "category": "leading_enterprise",
            "other_kind": "",
            "level": "municipal",
            "city": "440100",
            "county": "440106",
            "address": "广州市天河区双机路1号",
            "recommending_authority": "",
            "route": "",
            "next": "1",
        },
    )
    assert answer.status_code == 302, answer.text[:500]


def upload(web: requests.Session, base: str, pk: int, item: str, pdf: bytes) -> None:
    token = csrf(web.get(f"{base}/applications/{pk}/materials/", timeout=TIMEOUT))
    answer = web.post(
        f"{base}/applications/{pk}/materials/{item}/upload/",
        {"csrfmiddlewaretoken": token},
        files={"file": ("申请表.pdf", pdf, "application/pdf")},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302, answer.text[:500]


def submit(web: requests.Session, base: str, pk: int) -> None:
    answer = post(web, f"{base}/applications/{pk}/review/", {"confirm": "on"})
    assert answer.status_code == 302, answer.text[:500]


def messages(cluster: Cluster, process: str) -> list[email.message.Message]:
    """The e-mails the filebased backend of ``process`` wrote (one file per connection, the
    messages in it separated by a line of dashes)."""
    found = []
    for path in cluster.mails(process):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.lstrip(b"\n")))
    return found


def wait_for(condition, seconds: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s\n{cluster.log_tail()}")
        time.sleep(0.2)


def outbox(cluster: Cluster) -> list[tuple]:
    return cluster.sql("SELECT subject, status, attempts FROM notify_outboundemail ORDER BY id")


def test_two_app_servers_share_sessions_uploads_mail_and_rate_limits(cluster: Cluster):
    web = requests.Session()
    pk, item = cluster.login["application"], cluster.login["item"]
    pdf = MINIMAL_PDF + f"% {uuid.uuid4().hex}\n".encode()

    sign_in(web, cluster.a, cluster.login)
    save_institution_step(web, cluster.a, pk)
    upload(web, cluster.a, pk, item, pdf)

    # Through B, with the session A opened: the bytes A stored in the shared directory.
    [(material,)] = cluster.sql(
        "SELECT id FROM applications_material WHERE application_id = %s AND item_code = %s",
        pk,
        item,
    )
    download = web.get(f"{cluster.b}/applications/{pk}/files/{material}/", timeout=TIMEOUT)
    assert download.status_code == 200, download.text[:500]
    assert download.content == pdf
    assert [p for p in cluster.media_root.rglob("*") if p.is_file() and p.read_bytes() == pdf]

    submit(web, cluster.b, pk)
    case = web.get(f"{cluster.a}/applications/{pk}/", timeout=TIMEOUT)
    acknowledgement = ACK.search(case.text)
    assert case.status_code == 200 and acknowledgement, case.text[:500]

    # The acknowledgement goes out once, from the worker, never from an app server.
    wait_for(
        lambda: [row[1] for row in outbox(cluster)] == ["sent"],
        30,
        "the worker did not send the acknowledgement",
        cluster,
    )
    time.sleep(1.5)  # several more polls of the worker: nothing more may go out
    [(subject, status, attempts)] = outbox(cluster)
    assert (status, attempts) == ("sent", 1)
    assert acknowledgement.group(0) in subject
    sent = messages(cluster, "worker")
    assert len(sent) == 1, [m["Subject"] for m in sent]
    assert acknowledgement.group(0) in str(make_header(decode_header(sent[0]["Subject"])))
    assert messages(cluster, "a") == [] and messages(cluster, "b") == []
    deliveries = cluster.sql(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s",
        "%deliver_outbox",
    )
    assert deliveries and all(row == ("SUCCESSFUL", [WORKER_ID]) for row in deliveries)

    # Logging out through B ends the session A serves too.
    assert_logout_is_shared(web, cluster, pk)
    assert_rate_limits_are_shared(cluster)


def assert_logout_is_shared(web: requests.Session, cluster: Cluster, pk: int) -> None:
    token = csrf(web.get(f"{cluster.a}/applications/{pk}/", timeout=TIMEOUT))
    logout = web.post(
        f"{cluster.b}/accounts/logout/",
        {"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert logout.status_code == 302
    after = web.get(f"{cluster.a}/applications/{pk}/", allow_redirects=False, timeout=TIMEOUT)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]


def assert_rate_limits_are_shared(cluster: Cluster) -> None:
    """Password reset allows 3 requests an hour per e-mail address (accounts/ratelimits.py):
    three through A, and the fourth, through B, is refused."""
    anonymous = requests.Session()
    address = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.cn"}
    for _ in range(3):
        answer = post(anonymous, f"{cluster.a}/accounts/password/reset/", address)
        assert answer.status_code == 302, answer.text[:500]
    assert post(anonymous, f"{cluster.b}/accounts/password/reset/", address).status_code == 429
    assert cluster.redis_keys(), "no rate-limit counter under the test's prefix in Redis"
