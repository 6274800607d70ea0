"""Throughput of staff pages (issue 12): `make bench-throughput [THROUGHPUT_PG_URL=...]`.

Recreates the bench PostgreSQL database, loads the list benchmark's world (--cases Guangzhou
applications), starts gunicorn (2 × cores + 1 workers) and drives, against that one server and
those data, each page ALONE in its own phase: the login page, the city inbox, the provincial
inbox and the expert's list, each with the same connections for the same time after a warm-up
of its own (the issue's method: each page's rate, then page rate / login rate). Target: every
staff list at least 1/4 of the login page's rate.

``--mode mixed`` is the older method: all four pages at the same time in one locust run, equal
connections each. Their rates then equalise through the shared worker pool (every list came
out near 0.6 of the login page whatever its cost), so it says little about a page's own rate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import surge

ROOT = Path(__file__).resolve().parent.parent
LISTS = ("city inbox", "provincial inbox", "expert's list")


# The page of each phase: locust user class (bench/locust_throughput.py) and its stats name.
PAGES = {
    "login page": "LoginPage",
    "city inbox": "CityInbox",
    "provincial inbox": "ProvinceInbox",
    "expert's list": "ExpertList",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--mode", choices=("phases", "mixed"), default="phases")
    parser.add_argument("--users", type=int, default=10, help="connections (per page if mixed)")
    parser.add_argument("--run-time", default="15s", help="of each phase (of the run if mixed)")
    parser.add_argument("--warm-up", default="3s", help="before each phase, not counted")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="evalorg-throughput-"))
    env = surge.django_env(args.pg_url, str(work / "var"))
    sessions = work / "sessions.json"
    surge.recreate_database(args.pg_url)
    surge.manage(env, "migrate", "--noinput", "-v0")
    surge.manage(env, "load_reference_data")
    seeded = subprocess.run(
        [surge.PY, str(ROOT / "bench" / "throughput_seed.py"), str(args.cases), str(sessions)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(seeded.stdout.strip())
    env = {**env, "THROUGHPUT_SESSIONS": str(sessions)}
    server = surge.start_gunicorn(env, args.port, args.workers)
    try:
        surge.wait_until_up(f"http://127.0.0.1:{args.port}/accounts/login/")
        print(f"== gunicorn up ({args.workers} workers), mode {args.mode}")
        started = time.perf_counter()
        rows = mixed(env, args, work) if args.mode == "mixed" else phases(env, args, work)
        seconds = time.perf_counter() - started
    finally:
        surge.stop(server)
    surge.print_stats(rows)
    print(f"\nrun: {seconds:.0f} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return report(rows)


def locust(env: dict, args, classes: list[str], users: int, run_time: str, result: Path) -> list:
    """One headless locust run of ``classes`` against the server; its rows (see
    bench/locust_throughput.py). Locust's own tables go to locust.log in the work directory."""
    with open(result.parent / "locust.log", "a") as log:
        return run_locust(env, args, classes, users, run_time, result, log)


def run_locust(env: dict, args, classes: list[str], users: int, run_time: str, result: Path, log):
    subprocess.run(
        [
            str(surge.BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locust_throughput.py"),
            "--headless",
            f"--users={users}",
            f"--spawn-rate={users}",
            f"--run-time={run_time}",
            f"--host=http://127.0.0.1:{args.port}",
            "--only-summary",
            "--loglevel=WARNING",
            *classes,
        ],
        env={**env, "THROUGHPUT_RESULT": str(result)},
        check=False,
        stdout=log,
        stderr=log,
    )
    return json.loads(result.read_text())


def phases(env: dict, args, work: Path) -> list[dict]:
    """Each page alone: a warm-up run, then the measured run, same connections and time."""
    rows, total = [], {"name": "Aggregated", "requests": 0, "failures": 0, "rps": 0.0}
    for name, user_class in PAGES.items():
        locust(env, args, [user_class], args.users, args.warm_up, work / "warm.json")
        measured = locust(env, args, [user_class], args.users, args.run_time, work / "run.json")
        row = next(r for r in measured if r["name"] == name)
        rows.append(row)
        print(f"  {name:<20} {row['rps']:7.1f} requests/s, p50 {row['p50']:.0f} ms", flush=True)
        total["requests"] += row["requests"]
        total["failures"] += row["failures"]
    total.update(p50=0, p95=0, p99=0)
    return [*rows, total]


def mixed(env: dict, args, work: Path) -> list[dict]:
    """The four pages at once, ``--users`` connections each."""
    users = len(PAGES) * args.users
    return locust(env, args, list(PAGES.values()), users, args.run_time, work / "mixed.json")


def report(rows: list[dict]) -> int:
    rates = {row["name"]: row["rps"] for row in rows}
    login = rates.get("login page", 0.0)
    print(f"login page {login:.1f} requests/s")
    missed = []
    for name in LISTS:
        rate = rates.get(name, 0.0)
        ratio = rate / login if login else 0.0
        print(f"  {name:<20} {rate:6.1f} requests/s = {ratio:.2f} of login")
        if ratio < 0.25:
            missed.append(f"{name} at {ratio:.2f} of the login page's rate (< 0.25)")
    errors = rows[-1]["failures"]
    if errors:
        missed.append(f"{errors} errors")
    for item in missed:
        print(f"TARGET MISSED: {item}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
