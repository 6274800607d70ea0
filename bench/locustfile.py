"""Deadline surge (issue 12): each simulated applicant logs in once, saves the wizard's
institution step, opens the occupations step, uploads a small PDF, submits on the review
page and reads its acknowledgement. Run by bench/surge.py (SURGE_LOGINS, SURGE_RESULT,
SURGE_THINK).

Think time: a person reads a page and fills it in before the next request. SURGE_THINK
"MIN-MAX" (seconds) makes each applicant pause a uniformly random time in that range at the
five places a person does (typing the password, filling the institution step, reading the
occupations, choosing the file, reading the review before ticking the promise); "0" removes
the pauses, so the run becomes a closed loop that measures capacity, not a deadline day.
Each applicant's pauses come from its own seeded generator: two runs pause alike.
The server's CPU per request: the bench settings (bench/surge_settings.py) add the header
X-Bench-CPU-ms; it is kept here per endpoint (median and mean in the result).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import statistics
import threading
from collections import defaultdict

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from surge_steps import institution_post, small_pdf

DATA = json.loads(open(os.environ["SURGE_LOGINS"]).read())  # noqa: SIM115
LOGINS = iter(DATA["logins"])
LOCK = threading.Lock()
ACKNOWLEDGED: dict[int, str] = {}
FINISHED = itertools.count(1)
CPU_MS: dict[str, list[float]] = defaultdict(list)


def think_range(text: str) -> tuple[float, float]:
    """ "3-10" -> (3.0, 10.0); "0" -> (0.0, 0.0)."""
    low, _, high = text.partition("-")
    return float(low), float(high or low)


THINK = think_range(os.environ.get("SURGE_THINK", "0"))
# The login pool's address (bench/surge.py --login-workers), as a load balancer routes
# /accounts/login/ there; the session cookie holds for every port of the host.
LOGIN_HOST = os.environ.get("SURGE_LOGIN_HOST", "")


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
        self.random = random.Random(self.login["application"] if self.login else 0)

    def think(self) -> None:
        """A person reading and filling the page in (SURGE_THINK), none in a capacity run."""
        if THINK[1] > 0:
            gevent.sleep(self.random.uniform(*THINK))

    @task
    def deadline_day(self) -> None:
        if self.login is None:
            raise StopUser()
        pk = self.login["application"]
        page = self.client.get(f"{LOGIN_HOST}/accounts/login/", name="login page")
        self.think()
        self.client.post(
            f"{LOGIN_HOST}/accounts/login/",
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
        self.think()
        self.expect_redirect(
            f"/applications/{pk}/institution/",
            {"csrfmiddlewaretoken": token, **institution_post(pk)},
            "wizard: save institution (POST)",
        )
        self.client.get(f"/applications/{pk}/occupations/", name="wizard: occupations")
        self.think()
        self.client.get(f"/applications/{pk}/materials/", name="wizard: materials")
        self.think()
        self.expect_redirect(
            f"/applications/{pk}/materials/{DATA['item']}/upload/",
            {"csrfmiddlewaretoken": token},
            "wizard: upload PDF (POST)",
            files={"file": ("申请表.pdf", PDF, "application/pdf")},
        )
        review = self.client.get(f"/applications/{pk}/review/", name="wizard: review")
        self.think()
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


@events.request.add_listener
def server_cpu(name, response=None, **kwargs) -> None:
    """The server's CPU for this request (bench/surge_settings.py's header), per endpoint."""
    header = response.headers.get("X-Bench-CPU-ms") if response is not None else None
    if header:
        CPU_MS[name].append(float(header))


def cpu_of(name: str) -> dict:
    samples = CPU_MS.get(name) or [float("nan")]
    return {"cpu_p50": statistics.median(samples), "cpu_mean": statistics.fmean(samples)}


def stats_rows(stats) -> list[dict]:
    """Per endpoint and in total: requests, failures, requests/s, p50/p95/p99 in ms, and the
    server's CPU per request (median and mean, ms; the total's is over every request)."""
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    every = [ms for samples in CPU_MS.values() for ms in samples]
    total_cpu = {
        "cpu_p50": statistics.median(every) if every else float("nan"),
        "cpu_mean": statistics.fmean(every) if every else float("nan"),
    }
    return [
        {
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            **{p: entry.get_response_time_percentile(q) for p, q in PERCENTILES.items()},
            **(cpu_of(entry.name) if entry is not stats.total else total_cpu),
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
