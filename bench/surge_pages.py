"""The surge's pages in process (issue 12): CPU time and SQL queries per request.

`python bench/surge_pages.py [--applicants 20] [--profile ENDPOINT] [--pg-url URL]`

Seeds applicants as `make bench-surge` does (bench/surge_seed.py) on a throw-away SQLite
database, or on the PostgreSQL database named by --pg-url (dropped and created again; never
`test`), then walks each applicant through the surge's steps (bench/locustfile.py) with
Django's test Client and prints, per endpoint, the median CPU time of the process
(`time.process_time`: the server's cost of one request, apart from the machine's load and from
the network), the median wall time and the queries. --profile ENDPOINT prints the cProfile
of that endpoint over all applicants (cumulative, the top 40 entries).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=20)
    parser.add_argument("--profile", default="", help="an endpoint, * for all but login POST")
    parser.add_argument("--tree", action="store_true", help="pyinstrument's tree (if installed)")
    parser.add_argument("--sql", default="", help="print the SQL of one request of an endpoint")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    parser.add_argument("--pg-url", default="", help="PostgreSQL (dropped and recreated)")
    return parser.parse_args()


ARGS = parse() if __name__ == "__main__" else None
if ARGS and ARGS.pg_url:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from surge import recreate_database

    recreate_database(ARGS.pg_url)
    os.environ["DATABASE_URL"] = ARGS.pg_url
    os.environ["BENCH_KEEP_DATABASE_URL"] = "1"

import common  # noqa: E402  (sets Django up)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from surge_seed import seed  # noqa: E402
from surge_steps import institution_post, small_pdf  # noqa: E402

Samples = dict[str, list[tuple[float, float, int]]]


class Walk:
    """One applicant's surge through the test Client, timing each request."""

    def __init__(self, samples: Samples, profile: str, profiler) -> None:
        self.samples, self.profile, self.profiler = samples, profile, profiler
        self.client = Client()

    def request(self, name: str, call: Callable[[], object], expect: int) -> object:
        counter = Statements()
        profiling = name == self.profile or (self.profile == "*" and name != "login (POST)")
        with connection.execute_wrapper(counter):
            wall, cpu = time.perf_counter(), time.process_time()
            if profiling:
                self.profiler.start()
            response = call()
            if profiling:
                self.profiler.stop()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert response.status_code == expect, (name, response.status_code)
        if name == ARGS.sql and counter.statements:
            print(f"-- {name}: {len(counter.statements)} statements")
            print("\n".join(f"{n:3} {sql[:220]}" for n, sql in enumerate(counter.statements, 1)))
            ARGS.sql = ""
        self.samples[name].append((cpu, wall, counter.count))
        return response

    def run(self, login: dict, item: str, pdf: bytes) -> None:
        c, pk = self.client, login["application"]
        get = self.request
        get("login page", lambda: c.get("/accounts/login/"), 200)
        credentials = {"username": login["username"], "password": login["password"]}
        get("login (POST)", lambda: c.post("/accounts/login/", credentials), 302)
        base = f"/applications/{pk}"
        get("wizard: institution", lambda: c.get(f"{base}/institution/"), 200)
        body = institution_post(pk)
        get("wizard: save institution (POST)", lambda: c.post(f"{base}/institution/", body), 302)
        get("wizard: occupations", lambda: c.get(f"{base}/occupations/"), 200)
        get("wizard: materials", lambda: c.get(f"{base}/materials/"), 200)
        upload = f"{base}/materials/{item}/upload/"
        get("wizard: upload PDF (POST)", lambda: c.post(upload, {"file": named(pdf)}), 302)
        get("wizard: review", lambda: c.get(f"{base}/review/"), 200)
        get("submit (POST)", lambda: c.post(f"{base}/review/", {"confirm": "on"}), 302)
        get("case page", lambda: c.get(f"{base}/"), 200)


class Statements(common.QueryCounter):
    """Counts the SQL statements and keeps their text."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return super().__call__(execute, sql, params, many, context)


class Flat:
    """cProfile, accumulated over the profiled requests."""

    def __init__(self) -> None:
        self.profile = cProfile.Profile()
        self.start, self.stop = self.profile.enable, self.profile.disable

    def text(self, order: str) -> str:
        out = io.StringIO()
        pstats.Stats(self.profile, stream=out).sort_stats(order).print_stats(40)
        return out.getvalue()


class Tree:
    """pyinstrument's call tree (a development tool: `uv pip install pyinstrument`)."""

    def __init__(self) -> None:
        from pyinstrument import Profiler

        self.profiler = Profiler(interval=0.0005)
        self.sessions: list = []

    def start(self) -> None:
        self.profiler.start()

    def stop(self) -> None:
        self.sessions.append(self.profiler.stop())
        self.profiler.reset()

    def text(self, order: str) -> str:
        from pyinstrument.session import Session

        session = self.sessions[0]
        for more in self.sessions[1:]:
            session = Session.combine(session, more)
        self.profiler._last_session = session
        return self.profiler.output_text(show_all=os.environ.get("TREE_ALL") == "1")


def named(pdf: bytes) -> io.BytesIO:
    upload = io.BytesIO(pdf)
    upload.name = "申请表.pdf"
    return upload


def report(samples: Samples) -> None:
    print(f"\n{'endpoint':<36}{'CPU p50':>9}{'wall p50':>10}{'queries':>9}")
    for name, rows in samples.items():
        cpu = statistics.median(r[0] for r in rows) * 1000
        wall = statistics.median(r[1] for r in rows) * 1000
        queries = statistics.median(r[2] for r in rows)
        print(f"{name:<36}{cpu:>7.1f}ms{wall:>8.1f}ms{queries:>9.0f}")
    pages = [n for n in samples if n != "login (POST)"]
    total = sum(statistics.median(r[0] for r in samples[n]) for n in pages) * 1000
    print(f"one applicant's pages, login POST apart: {total:.0f} ms CPU")


def main() -> None:
    args = ARGS
    common.fresh_database()
    out = Path(tempfile.mkdtemp(prefix="evalorg-surge-pages-")) / "logins.json"
    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            seed(args.applicants, out)
        finally:
            sys.stdout = stdout
    data = json.loads(out.read_text())
    pdf = small_pdf()
    samples: Samples = defaultdict(list)
    profiler = Tree() if args.tree else Flat()
    first, *others = data["logins"]
    Walk(defaultdict(list), "", profiler).run(first, data["item"], pdf)  # warms caches up
    for login in others:
        Walk(samples, args.profile, profiler).run(login, data["item"], pdf)
    print(f"{len(others)} applicants on {connection.vendor} (one more warmed the caches up)")
    report(samples)
    if args.profile:
        print(profiler.text(args.sort))


if __name__ == "__main__":
    main()
