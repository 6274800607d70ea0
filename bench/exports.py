"""The registry CSV/JSON and the 附件4 XLSX at a province's scale (issue 24): `make bench-docs`.

On a throw-away SQLite database (or PostgreSQL with ``BENCH_KEEP_DATABASE_URL=1`` and
``DATABASE_URL``), for each size (default 1,000 and 10,000): that many filed letters for the
public registry's CSV and JSON, and that many recommended cases for the summary XLSX. Per
document: CPU time of this process (the machine is shared: CPU carries the weight), wall time,
peak traced memory (tracemalloc, in a separate run: it slows Python down) and size.
Targets: registry CSV/JSON of 10,000 letters < 1 s of CPU, 附件4 XLSX of 10,000 rows < 2 s.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable

import common
from django.test import Client

SIZES = (1_000, 10_000)
REGISTRY = {"registry CSV": "/public/registry.csv", "registry JSON": "/public/registry.json"}
TARGETS = {"registry CSV": 1.0, "registry JSON": 1.0, "附件4 XLSX": 2.0}


def fetch(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return sum(len(part) for part in response.streaming_content)


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(name: str, size: int, fn: Callable[[], int]) -> float:
    fn()  # warm: templates, translations
    start, cpu = time.perf_counter(), time.process_time()
    length = fn()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_memory(fn)
    print(
        f"  {size:>6} {name:<16} CPU {common.ms(cpu):>10}  wall {common.ms(wall):>10}"
        f"  peak {peak / 2**20:6.1f} MiB  ({length / 1024:.0f} KiB)",
        flush=True,
    )
    return cpu


def filed_letters(count: int, start: int, issuer) -> None:
    """``count`` Guangzhou cases, each filed with one letter for two welder levels."""
    from evalorg.applications.models import State
    from evalorg.filing.models import FilingLetter

    members = common.institutions(count, common.GZ, common.counties_of(common.GZ), f"名录{start}-")
    prefix = f"2023-4401-{start:05d}"
    cases = common.applications(the_round(), issuer.agency, members, State.SUBMITTED, prefix)
    common.file_letters(cases, issuer, start)
    written = [
        {"code": common.WELDER, "name": "焊工", "level": 5, "level_label": "五级/初级工"},
        {"code": common.WELDER, "name": "焊工", "level": 4, "level_label": "四级/中级工"},
    ]
    FilingLetter.objects.filter(application__in=cases).update(occupations=written)


def the_round():
    from evalorg.rounds.models import Round

    return Round.objects.get(code="gd-2023")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--only", choices=("registry", "summary"), help="one document only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    common.fresh_database()
    from evalorg.accounts.models import Agency
    from evalorg.review.summary import summary_xlsx

    issuer = common.user("bench_issuer", "city_staff", Agency.objects.get(division_id=common.GZ))
    client = Client()
    results: dict[tuple[str, int], float] = {}
    letters = 0
    cities = iter(("440600", "440700", "440800", "440900"))
    for size in sizes:
        filed_letters(size - letters, letters, issuer)
        letters = size
        if args.only != "summary":
            for name, url in REGISTRY.items():
                results[name, size] = measure(name, size, lambda u=url: fetch(client, u))
        if args.only == "registry":
            continue
        staff = common.build_ranking(size, next(cities))
        results["附件4 XLSX", size] = measure(
            "附件4 XLSX",
            size,
            lambda s=staff: len(summary_xlsx(s.agency, the_round(), prepared_by="基准")),
        )
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    last = sizes[-1]
    missed = [n for n, limit in TARGETS.items() if results.get((n, last), 0) > limit]
    for name in missed:
        cpu = results[name, last]
        print(f"TARGET MISSED: {name} at {last}: {cpu:.2f} s of CPU > {TARGETS[name]} s")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
