"""List scaling, the ranking page and the exports (issue 12): `make bench-lists`.

On a throw-away SQLite database (or ``--database-url``), with 100, 1,000 and 10,000
applications, for the city inbox, the provincial inbox, the expert's list, the applicant's
list and the public registry: median render time and query count, and the floor (a bare view
doing the inbox's queries with a minimal template). Then the exports (inbox XLSX, registry
CSV) at each size with their peak traced memory, and the ranking page and the summary XLSX
at 100 and 1,000 scored cases. Targets: see TARGETS and docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import common
from django.test import Client
from django.test.utils import override_settings

SIZES = (100, 1_000, 10_000)
RUNS = 15
PAGES = {
    "city inbox": ("city_staff", "/review/inbox/"),
    "provincial inbox": ("province_staff", "/review/inbox/"),
    "expert's list": ("expert", "/expert/"),
    "applicant's list": ("applicant", "/applications/"),
    "public registry": (None, "/public/registry/"),
    "floor (inbox queries, bare template)": ("city_staff", "/bench/floor/"),
}
EXPORTS = {
    "inbox XLSX (all rows)": ("city_staff", "/review/inbox/export.xlsx"),
    "registry CSV (a fifth filed)": (None, "/public/registry.csv"),
}
TARGETS = {"export_10000_s": 2.0, "ranking_1000_s": 0.2, "list_growth": 1.5}


def fetch(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body)


def measure_pages(
    world: common.World, size: int, runs: int, explain: bool = False
) -> dict[str, tuple[float, int]]:
    """Per page: median wall time and query count (the summary's figures), and the median CPU
    time of this process (steadier than wall on a shared machine)."""
    results = {}
    for name, (role, url) in PAGES.items():
        client = common.client_for(world, role)
        fetch(client, url)  # warm: templates, sessions
        queries = common.count_queries(lambda c=client, u=url: fetch(c, u))
        seconds, cpu = common.median_times(lambda c=client, u=url: fetch(c, u), runs)
        results[name] = (seconds, queries, cpu)
        print(
            f"  {size:>6} {name:<40} {common.ms(seconds):>10} (CPU {common.ms(cpu):>9}) "
            f"{queries:>4} queries",
            flush=True,
        )
        if explain:
            common.explain_queries(lambda c=client, u=url: fetch(c, u))
    return results


def peak_memory(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_exports(world: common.World, size: int) -> dict[str, tuple[float, int, int]]:
    """Per export: (wall seconds, peak traced bytes, length); the CPU time is printed too."""
    results = {}
    for name, (role, url) in EXPORTS.items():
        client = common.client_for(world, role)
        fetch(client, url)
        runs = 1 if size >= 10_000 else 3
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(runs):
            length = fetch(client, url)
        seconds = (time.perf_counter() - start) / runs
        cpu = (time.process_time() - cpu) / runs
        peak = peak_memory(lambda c=client, u=url: fetch(c, u))
        results[name] = (seconds, peak, length)
        print(
            f"  {size:>6} {name:<40} {common.ms(seconds):>10} (CPU {common.ms(cpu)}) "
            f"peak {peak / 2**20:6.1f} MiB ({length / 1024:.0f} KiB)",
            flush=True,
        )
    return results


def measure_ranking(size: int, city: str) -> dict[str, float]:
    from evalorg.review.summary import summary_xlsx

    staff = common.build_ranking(size, city)
    client = Client()
    common.signed_in(client, staff)
    fetch(client, "/review/ranking/")
    queries = common.count_queries(lambda: fetch(client, "/review/ranking/"))
    seconds = common.median_time(lambda: fetch(client, "/review/ranking/"), 5)
    cpu = common.median_cpu(lambda: fetch(client, "/review/ranking/"), 5)
    print(
        f"  {size:>6} ranking page {common.ms(seconds):>10} (CPU {common.ms(cpu)}) "
        f"{queries:>4} queries",
        flush=True,
    )
    from evalorg.rounds.models import Round

    agency, round_ = staff.agency, Round.objects.get(code="gd-2023")
    start, cpu = time.perf_counter(), time.process_time()
    data = summary_xlsx(agency, round_, prepared_by="基准")
    xlsx, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_memory(lambda: summary_xlsx(agency, round_, prepared_by="基准"))
    print(
        f"  {size:>6} summary XLSX (附件4) {common.ms(xlsx):>10} (CPU {common.ms(cpu)}) "
        f"peak {peak / 2**20:6.1f} MiB ({len(data) / 1024:.0f} KiB)",
        flush=True,
    )
    return {"ranking": seconds, "ranking_queries": queries, "summary_xlsx": xlsx}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--only",
        choices=("lists", "exports", "ranking"),
        action="append",
        help="run only these parts (repeatable; default: all)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print each list query's plan and time"
    )
    args = parser.parse_args()
    parts = set(args.only or ("lists", "exports", "ranking"))
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    common.fresh_database()
    world = common.build_world()
    pages, exports, ranking = {}, {}, {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for size in sizes:
            start = time.perf_counter()
            common.grow(world, size - len(world.applications))
            print(f"== {size} applications (built in {time.perf_counter() - start:.1f} s)")
            if "lists" in parts:
                pages[size] = measure_pages(world, size, args.runs, args.explain)
            if "exports" in parts:
                exports[size] = measure_exports(world, size)
        ranking = {}
        if "ranking" in parts:
            print("== ranking page and summary XLSX (cases scored by 3 experts)")
            ranking = {100: measure_ranking(100, "440300"), 1000: measure_ranking(1000, "440600")}
    print(f"== load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return report(sizes, pages, exports, ranking)


def report(sizes, pages, exports, ranking) -> int:
    first, last = sizes[0], sizes[-1]
    missed = []
    print(f"\n== summary ({first} → {last} applications)")
    if pages:
        missed += report_pages(sizes, pages)
    if exports:
        biggest = exports[last]["inbox XLSX (all rows)"][0]
        if last >= 10_000 and biggest > TARGETS["export_10000_s"]:
            missed.append("inbox export at 10,000")
    if ranking and ranking[1000]["ranking"] > TARGETS["ranking_1000_s"]:
        missed.append("ranking page at 1,000")
    for name in missed:
        print(f"TARGET MISSED: {name}")
    return 1 if missed else 0


def report_pages(sizes, pages) -> list[str]:
    first, last = sizes[0], sizes[-1]
    missed = []
    for name in PAGES:
        (t0, q0, c0), (t1, q1, c1) = pages[first][name], pages[last][name]
        growth = t1 / t0
        flag = "" if growth <= TARGETS["list_growth"] and q0 == q1 else "  <-- MISSED"
        print(f"  {name:<40} ×{growth:.2f} time (CPU ×{c1 / c0:.2f}), queries {q0} → {q1}{flag}")
        if flag and not name.startswith("floor"):
            missed.append(name)
    floor = "floor (inbox queries, bare template)"
    for size in sizes:
        ratio = pages[size]["city inbox"][0] / pages[size][floor][0]
        print(f"  inbox / floor at {size}: {ratio:.1f}")
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
