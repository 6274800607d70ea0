"""Throughput of staff pages against the login page (issue 12), no wait. Run by
bench/throughput.py (THROUGHPUT_RESULT, THROUGHPUT_SESSIONS), one user class per phase (the
class names on locust's command line) or all four at once (``--mode mixed``)."""

from __future__ import annotations

import json
import os

from locust import HttpUser, constant, events, task

SESSIONS = json.loads(open(os.environ["THROUGHPUT_SESSIONS"]).read())  # noqa: SIM115
PERCENTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


class LoginPage(HttpUser):
    wait_time = constant(0)

    @task
    def login_page(self) -> None:
        self.client.get("/accounts/login/", name="login page")


class StaffUser(HttpUser):
    abstract = True
    wait_time = constant(0)
    username = ""
    path = ""
    label = ""

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", SESSIONS[self.username])

    @task
    def page(self) -> None:
        self.client.get(self.path, name=self.label)


class CityInbox(StaffUser):
    username, path, label = "bench_city", "/review/inbox/", "city inbox"


class ProvinceInbox(StaffUser):
    username, path, label = "bench_province", "/review/inbox/", "provincial inbox"


class ExpertList(StaffUser):
    username, path, label = "bench_expert", "/expert/", "expert's list"


@events.quitting.add_listener
def write_result(environment, **kwargs) -> None:
    entries = sorted(environment.stats.entries.values(), key=lambda e: e.name)
    rows = [
        {
            "name": e.name,
            "requests": e.num_requests,
            "failures": e.num_failures,
            "rps": e.total_rps,
            **{p: e.get_response_time_percentile(q) for p, q in PERCENTILES.items()},
        }
        for e in [*entries, environment.stats.total]
    ]
    with open(os.environ["THROUGHPUT_RESULT"], "w") as out:
        json.dump(rows, out)
