"""Throughput of staff pages (issue 12): `make bench-throughput [SURGE_PG_URL=...]`.

Recreates the bench PostgreSQL database, loads the list benchmark's world (--cases Guangzhou
applications), starts gunicorn (2 × cores + 1 workers) and, in one locust run, drives the
login page, the city inbox, the provincial inbox and the expert's list with as many
connections each. Target: every staff list at least 1/4 of the login page's rate.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--users-per-page", type=int, default=3)
    parser.add_argument("--run-time", default="40s")
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
    server = surge.start_gunicorn(env, args.port, args.workers)
    result = work / "result.json"
    try:
        surge.wait_until_up(f"http://127.0.0.1:{args.port}/accounts/login/")
        users = 4 * args.users_per_page
        print(f"== gunicorn up ({args.workers} workers); {users} connections, {args.run_time}")
        started = time.perf_counter()
        subprocess.run(
            [
                str(surge.BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locust_throughput.py"),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={users}",
                f"--run-time={args.run_time}",
                f"--host=http://127.0.0.1:{args.port}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            env={**env, "THROUGHPUT_RESULT": str(result), "THROUGHPUT_SESSIONS": str(sessions)},
            check=False,
        )
        seconds = time.perf_counter() - started
    finally:
        surge.stop(server)
    rows = json.loads(result.read_text())
    surge.print_stats(rows)
    rates = {row["name"]: row["rps"] for row in rows}
    login = rates.get("login page", 0.0)
    print(f"\nrun: {seconds:.0f} s; login page {login:.1f} requests/s")
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
