"""Parallel transitions (issue 18, item 5): `make bench-transitions [TRANSITIONS_PG_URL=...]`.

Do audited writes on unrelated records wait for one another? Recreates its own PostgreSQL
database (never ``test``), creates ``--cases`` applications with their occupation lines and
moves the first line of each case back and forth through ``perform()`` (row lock, checks,
save, audit event: the real path) for ``--seconds``: first from 1 thread, then from
``--cases`` threads at once, one case each, every thread on its own database connection.
Prints both rates (transitions per second) and their ratio, then runs ``verify_chain()`` on
what the concurrent run wrote. Exits 1 when the ratio is below ``--min-ratio`` (4) or the
chain is broken.

The machine has 2 cores, so a transition that only burns CPU would cap the ratio at ~2 with
or without a global lock. To measure lock waiting rather than CPU, each transition's
transaction also waits ``--sleep`` seconds (``SELECT pg_sleep(0.02)``) after ``perform()``,
before committing: work a real transaction does (other writes, a slow disk). This wrapper is
the benchmark's own; the application is not changed. Under a lock held until commit (the
audit head before issue 18) the 8 threads queue on that wait; without it they overlap.

The two transitions (``bench_park``/``bench_unpark``: requested ⇄ excluded) are registered by
this script on the occupation-line workflow only for the run, so that a line can move forever
without the cultivation guards (deliverables, commitment letter) of the real cycle.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helper_bench_transitions"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=8, help="cases, and threads of run 2")
    parser.add_argument("--seconds", type=float, default=8.0, help="of each run")
    parser.add_argument("--sleep", type=float, default=0.02, help="wait inside each transaction")
    parser.add_argument("--min-ratio", type=float, default=4.0)
    return parser.parse_args()


ARGS = _arguments()
os.environ["DATABASE_URL"] = ARGS.pg_url
os.environ["BENCH_KEEP_DATABASE_URL"] = "1"
sys.path.insert(0, str(ROOT))

from tests.deploy.servers import recreate_database  # noqa: E402

recreate_database(ARGS.pg_url)

import common  # noqa: E402  (django.setup(), on the database just made)
from django.db import connection, transaction  # noqa: E402


def register_bench_transitions() -> None:
    from evalorg.accounts.models import Role
    from evalorg.applications.models import ApplicationOccupation
    from evalorg.applications.workflow import register_line
    from evalorg.core.workflow import Transition

    status = ApplicationOccupation.Status
    province = frozenset({Role.PROVINCE_STAFF})
    register_line(
        Transition("bench_park", "基准：停放", frozenset({status.REQUESTED}), status.EXCLUDED,
                   province),
        Transition("bench_unpark", "基准：恢复", frozenset({status.EXCLUDED}), status.REQUESTED,
                   province),
    )  # fmt: skip


def seed(count: int) -> tuple[list, object]:
    """``count`` submitted Guangzhou cases (two lines each) and a provincial staff user."""
    from evalorg.accounts.models import Agency, Role
    from evalorg.applications.models import State
    from evalorg.rounds.models import Round

    common.fresh_database()
    round_ = Round.objects.get(code="gd-2023")
    gz = Agency.objects.get(kind="city", division_id=common.GZ)
    province = Agency.objects.get(kind="province")
    members = common.institutions(count, common.GZ, common.counties_of(common.GZ), "并发")
    cases = common.applications(round_, gz, members, State.SUBMITTED, "2023-4401-T")
    staff = common.user("bench_transitions", Role.PROVINCE_STAFF, province)
    return [case.occupations.order_by("pk").first() for case in cases], staff


def move(line, staff, pause: float):
    """One transition and ``pause`` seconds of other work, in one transaction."""
    from evalorg.core.workflow import perform

    action = "bench_unpark" if line.status == "excluded" else "bench_park"
    with transaction.atomic():
        line = perform(line, action, staff)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [pause])
    return line


def worker(line, staff, deadline: float, counts: list[int], slot: int) -> None:
    try:
        line.refresh_from_db()  # as the previous run left it
        while time.perf_counter() < deadline:
            line = move(line, staff, ARGS.sleep)
            counts[slot] += 1
    finally:
        connection.close()


def rate(lines: list, staff) -> float:
    """Transitions per second of one thread per line, each on its own line, for the run."""
    counts = [0] * len(lines)
    deadline = time.perf_counter() + ARGS.seconds
    threads = [
        threading.Thread(target=worker, args=(line, staff, deadline, counts, n))
        for n, line in enumerate(lines)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> int:
    from evalorg.core.audit import verify_chain

    register_bench_transitions()
    lines, staff = seed(ARGS.cases)
    connection.close()  # each thread opens its own
    print(f"== {ARGS.cases} cases, {ARGS.seconds:.0f} s per run, pg_sleep({ARGS.sleep}) each")
    single = rate(lines[:1], staff)
    print(f"1 connection : {single:7.1f} transitions/s")
    parallel = rate(lines, staff)
    print(f"{len(lines)} connections: {parallel:7.1f} transitions/s")
    ratio = parallel / single if single else 0.0
    print(f"ratio        : {ratio:7.2f} (target ≥ {ARGS.min_ratio:g})")
    report = verify_chain()
    print(f"verify_chain : {'OK' if report.ok else 'BROKEN'}, {report.count} events"
          + ("" if report.ok else f" — seq {report.broken_seq}: {report.reason}"))  # fmt: skip
    return 0 if report.ok and ratio >= ARGS.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
