"""Deadline surge (issue 12): each simulated applicant logs in once, saves the wizard's
institution step, opens the occupations step, uploads a small PDF, submits on the review
page and reads its acknowledgement. Run by bench/surge.py (SURGE_LOGINS, SURGE_RESULT)."""

from __future__ import annotations

import itertools
import json
import os
import re
import threading

from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from surge_steps import institution_post, small_pdf

DATA = json.loads(open(os.environ["SURGE_LOGINS"]).read())  # noqa: SIM115
LOGINS = iter(DATA["logins"])
LOCK = threading.Lock()
ACKNOWLEDGED: dict[int, str] = {}
FINISHED = itertools.count(1)


PDF = small_pdf()
ACK = re.compile(r"\d{4}-\d{4}-\d{4}")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Applicant(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        with LOCK:
            self.login = next(LOGINS, None)

    @task
    def deadline_day(self) -> None:
        if self.login is None:
            raise StopUser()
        pk = self.login["application"]
        page = self.client.get("/accounts/login/", name="login page")
        self.client.post(
            "/accounts/login/",
            {
                "username": self.login["username"],
                "password": self.login["password"],
                "csrfmiddlewaretoken": csrf(page.text),
            },
            name="login (POST)",
            allow_redirects=False,
        )
        step = self.client.get(f"/applications/{pk}/institution/", name="wizard: institution")
        token = csrf(step.text)
        self.expect_redirect(
            f"/applications/{pk}/institution/",
            {"csrfmiddlewaretoken": token, **institution_post(pk)},
            "wizard: save institution (POST)",
        )
        self.client.get(f"/applications/{pk}/occupations/", name="wizard: occupations")
        self.client.get(f"/applications/{pk}/materials/", name="wizard: materials")
        self.expect_redirect(
            f"/applications/{pk}/materials/{DATA['item']}/upload/",
            {"csrfmiddlewaretoken": token},
            "wizard: upload PDF (POST)",
            files={"file": ("申请表.pdf", PDF, "application/pdf")},
        )
        review = self.client.get(f"/applications/{pk}/review/", name="wizard: review")
        self.expect_redirect(
            f"/applications/{pk}/review/",
            {"csrfmiddlewaretoken": csrf(review.text), "confirm": "on"},
            "submit (POST)",
        )
        case = self.client.get(f"/applications/{pk}/", name="case page")
        found = ACK.search(case.text)
        if found:
            with LOCK:
                ACKNOWLEDGED[pk] = found.group(0)
        self.login = None
        if next(FINISHED) == len(DATA["logins"]):
            self.environment.runner.quit()
        raise StopUser()

    def expect_redirect(self, url: str, data: dict, name: str, **extra) -> None:
        with self.client.post(
            url, data, name=name, allow_redirects=False, catch_response=True, **extra
        ) as response:
            if response.status_code != 302:
                response.failure(f"expected a redirect, got {response.status_code}")


def stats_rows(stats) -> list[dict]:
    """Per endpoint and in total: requests, failures, requests/s, p50/p95/p99 in ms."""
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    return [
        {
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            **{p: entry.get_response_time_percentile(q) for p, q in PERCENTILES.items()},
        }
        for entry in [*entries, stats.total]
    ]


PERCENTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


@events.quitting.add_listener
def write_result(environment, **kwargs) -> None:
    with open(os.environ["SURGE_RESULT"], "w") as out:
        json.dump(
            {
                "acknowledged": len(ACKNOWLEDGED),
                "numbers": len(set(ACKNOWLEDGED.values())),
                "stats": stats_rows(environment.stats),
            },
            out,
        )
