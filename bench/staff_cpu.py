"""CPU per request of the login page and the staff lists, in process (issue 12, throughput):
`.venv/bin/python bench/staff_cpu.py [--cases 100] [--requests 200] [--profile cumulative]
[--pg-url postgres://…/helper_bench_cpu]` (SQLite unless --pg-url: that database is recreated).

Django's test Client through the full middleware stack, each staff user signed in with the
second factor passed, as `make bench-throughput` drives them. Reports the median and mean
``time.process_time`` of each page and its ratio to the login page (the throughput target, a
list at least 1/4 of the login page's rate, needs lists at most about 4 × the login page's
CPU), and the query count. ``--profile`` prints a cProfile of the city inbox requests.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time


def use_postgres() -> None:
    """``--pg-url URL``: recreate that database and run on it (before Django is set up)."""
    if "--pg-url" not in sys.argv:
        return
    import surge

    url = sys.argv[sys.argv.index("--pg-url") + 1]
    surge.recreate_database(url)
    os.environ.update(DATABASE_URL=url, BENCH_KEEP_DATABASE_URL="1", DB_CONN_MAX_AGE="60")


use_postgres()

import common  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = {
    "login page": (None, "/accounts/login/"),
    "city inbox": ("city_staff", "/review/inbox/"),
    "provincial inbox": ("province_staff", "/review/inbox/"),
    "expert's list": ("expert", "/expert/"),
}


def fetch(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def cpu_times(client: Client, url: str, requests: int) -> tuple[list[float], list[float]]:
    """CPU (this process) and wall time of each request (wall also counts PostgreSQL's work)."""
    cpus, walls = [], []
    for _ in range(requests):
        start, wall = time.process_time(), time.perf_counter()
        fetch(client, url)
        cpus.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
    return cpus, walls


def profile(client: Client, url: str, requests: int, sort: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        fetch(client, url)
    profiler.disable()
    pstats.Stats(profiler).strip_dirs().sort_stats(sort).print_stats(45)


def instrument(client: Client, url: str, requests: int) -> None:
    """pyinstrument's call tree (install it into .venv first: it is no dependency)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            fetch(client, url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--profile", choices=("cumulative", "tottime", "pyinstrument"), action="append"
    )
    parser.add_argument("--page", default="city inbox", choices=tuple(PAGES))
    parser.add_argument("--pg-url", help="run on this PostgreSQL database (recreated)")
    args = parser.parse_args()
    common.fresh_database()
    world = common.build_world()
    common.grow(world, args.cases - len(world.applications))
    clients = {name: common.client_for(world, role) for name, (role, _) in PAGES.items()}
    for name, (_, url) in PAGES.items():
        for _ in range(10):  # warm: templates, translations, URL resolvers
            fetch(clients[name], url)
    if args.profile:
        for sort in args.profile:
            print(f"== {args.page}, {args.requests} requests, {sort}")
            if sort == "pyinstrument":
                instrument(clients[args.page], PAGES[args.page][1], args.requests)
            else:
                profile(clients[args.page], PAGES[args.page][1], args.requests, sort)
        return 0
    print(
        f"== {len(world.applications)} applications on {connection.vendor}, "
        f"{args.requests} requests per page (medians)"
    )
    results = {}
    for name, (_, url) in PAGES.items():
        queries = common.count_queries(lambda n=name, u=url: fetch(clients[n], u))
        cpus, walls = cpu_times(clients[name], url, args.requests)
        results[name] = (statistics.median(cpus), statistics.median(walls), queries)
    login_cpu, login_wall = results["login page"][:2]
    for name, (cpu, wall, queries) in results.items():
        print(
            f"  {name:<18} CPU {cpu * 1000:6.2f} ms ({cpu / login_cpu:4.1f} × login)  "
            f"wall {wall * 1000:6.2f} ms ({wall / login_wall:4.1f} × login)  {queries:>3} queries"
        )
    print(f"== load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
