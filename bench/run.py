"""Benchmarks (not timed tests): run with `make bench`.

Measures, on a throw-away SQLite database:
- eligibility evaluation of one application (median of 200 runs), with its query count;
- the staff application list with 500 submitted cases (median of 20 renders) and its queries;
- the application PDF render (median of 5).
Goals (docs/operations.md): eligibility < 50 ms, list page < 500 ms, PDF < 1.5 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalorg.settings")
os.environ["EVALORG_VAR_DIR"] = tempfile.mkdtemp(prefix="evalorg-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


class QueryCounter:
    """Counts SQL statements (request_started resets connection.queries, so wrap instead)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(fn) -> int:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fn()
    return counter.count


GOALS = {"eligibility": 0.05, "list_500": 0.5, "pdf": 1.5}


def median_time(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build_cases(count: int):
    from evalorg.accounts.models import Agency, Role, User
    from evalorg.applications.models import Application, ApplicationOccupation, State
    from evalorg.institutions.models import Institution
    from evalorg.rounds.models import Round
    from tests.factories import make_uscc

    round_ = Round.objects.get(code="gd-2023")
    agency = Agency.objects.get(kind="city", division_id="440100")
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"基准测试机构{i}",
            uscc=make_uscc(serial=900000 + i),
            category="leading_enterprise",
            level="municipal",
            city_id="440100",
            county_id="440106",
        )
        for i in range(count)
    )
    # Fixture rows in a given state, as tests do; the app itself only moves state by perform().
    cases = Application.objects.bulk_create(
        Application(
            round=round_,
            institution=inst,
            state=State.SUBMITTED,
            receiving_agency=agency,
            acknowledgement_no=f"2023-4401-{i + 1:04d}",
        )
        for i, inst in enumerate(institutions)
    )
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=case, occupation_id="6-18-02-04", level=level)
        for case in cases
        for level in (5, 4)
    )
    staff = User.objects.create(username="bench_staff", role=Role.CITY_STAFF, agency=agency)
    return cases, staff


def _past_second_factor(client: Client, user) -> None:
    """Mark the session as past the code form (staff need a second factor, issue 11)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from evalorg.applications.eligibility import evaluate, input_from_application
    from evalorg.applications.pdf import application_pdf_bytes

    cases, staff = build_cases(500)
    case = cases[0]
    results = {}
    eligibility_queries = count_queries(lambda: evaluate(input_from_application(case)))
    results["eligibility"] = median_time(lambda: evaluate(input_from_application(case)), 200)
    print(f"eligibility: {results['eligibility'] * 1000:.1f} ms, {eligibility_queries} queries")

    client = Client()
    client.force_login(staff)
    _past_second_factor(client, staff)
    assert client.get("/applications/").status_code == 200
    list_queries = count_queries(lambda: client.get("/applications/"))
    results["list_500"] = median_time(lambda: client.get("/applications/"), 20)
    print(
        f"list page (500 cases, 200 shown): {results['list_500'] * 1000:.0f} ms, "
        f"{list_queries} queries"
    )

    results["pdf"] = median_time(lambda: application_pdf_bytes(case), 5)
    print(f"application PDF: {results['pdf'] * 1000:.0f} ms")

    failed = [name for name, value in results.items() if value > GOALS[name]]
    for name in failed:
        print(f"GOAL MISSED: {name} {results[name]:.3f}s > {GOALS[name]}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
