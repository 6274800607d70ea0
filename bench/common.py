"""Shared by the benchmarks: a throw-away Django setup, timers, query counting, and fast
fixture data (bulk_create, never the UI). Import this module before anything from Django.

The data are fixture rows in given states, as the tests build them; the application itself
moves state only through ``perform()``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalorg.settings")
if not os.environ.get("BENCH_KEEP_DATABASE_URL"):
    os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("EVALORG_VAR_DIR", tempfile.mkdtemp(prefix="evalorg-bench-"))
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SH_OFFSET = timedelta(hours=8)


class QueryCounter:
    """Counts SQL statements (request_started resets connection.queries, so wrap instead)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(fn: Callable[[], object]) -> int:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fn()
    return counter.count


def median_time(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_times(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (``time.process_time``: this process only, so the
    other jobs of a shared machine count less) of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


class QueryRecorder:
    """Keeps each SELECT with its parameters and its own time."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if sql.lstrip().upper().startswith("SELECT"):
                self.queries.append((sql, params, time.perf_counter() - start))


def explain_queries(fn: Callable[[], object]) -> None:
    """Print each SELECT that ``fn`` runs with its time and its plan (EXPLAIN QUERY PLAN on
    SQLite, EXPLAIN ANALYZE on PostgreSQL)."""
    recorder = QueryRecorder()
    with connection.execute_wrapper(recorder):
        fn()
    sqlite = connection.vendor == "sqlite"
    for sql, params, seconds in recorder.queries:
        print(f"    {ms(seconds):>9}  {sql[:300]}")
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for line in cursor.fetchall():
                shown = f"{line[0]:>3} <- {line[1]:>3}  {line[3]}" if sqlite else line[0]
                print(f"              {shown}")


def median_cpu(fn: Callable[[], object], runs: int) -> float:
    """The median CPU time of this process (``time.process_time``): steadier than the wall
    time on a shared, loaded machine."""
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def fresh_database() -> None:
    """Migrate the (throw-away) database and load the reference data."""
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_reference_data", stdout=quiet)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# ---- fixture data ---------------------------------------------------------------------------

GZ, SZ = "440100", "440300"
GZ_COUNTIES = ("440103", "440104", "440105", "440106", "440111", "440112")
WELDER, ELECTRICIAN = "6-18-02-04", "6-31-01-03"
SUBMITTED_AT = datetime(2023, 5, 10, 1, 0, tzinfo=UTC)  # 09:00 Beijing


@dataclass
class World:
    """What a benchmark logs in as and looks at."""

    round: object
    city_staff: object
    province_staff: object
    expert: object
    applicant: object
    applications: list = field(default_factory=list)
    ranking_staff: object | None = None


_serial = [800000]


def _uscc_batch(count: int) -> list[str]:
    from tests.factories import make_uscc

    start = _serial[0]
    _serial[0] += count
    return [make_uscc(serial=start + i) for i in range(count)]


def institutions(count: int, city: str, counties: tuple[str, ...], prefix: str) -> list:
    from evalorg.institutions.models import Institution

    usccs = _uscc_batch(count)
    return Institution.objects.bulk_create(
        Institution(
            name=f"{prefix}{i:05d}职业培训学校",
            uscc=usccs[i],
            category="leading_enterprise",
            level="municipal",
            city_id=city,
            county_id=counties[i % len(counties)],
        )
        for i in range(count)
    )


def applications(round_, agency, members: list, state: str, prefix: str, lines=(WELDER,)) -> list:
    from evalorg.applications.models import Application, ApplicationOccupation

    created = Application.objects.bulk_create(
        Application(
            round=round_,
            institution=inst,
            state=state,
            receiving_agency=agency,
            acknowledgement_no=f"{prefix}-{i + 1:05d}",
            submitted_at=SUBMITTED_AT + timedelta(minutes=i),
        )
        for i, inst in enumerate(members)
    )
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=case, occupation_id=code, level=level)
        for case in created
        for code in lines
        for level in (5, 4)
    )
    return created


def user(username: str, role: str, agency=None):
    from evalorg.accounts.models import User

    return User.objects.create(username=username, role=role, agency=agency)


def counties_of(city: str) -> tuple[str, ...]:
    from evalorg.catalog.models import Division

    return tuple(
        Division.objects.filter(parent_id=city).order_by("code").values_list("pk", flat=True)
    )


def build_world() -> World:
    """The users every list benchmark logs in as: Guangzhou staff, the provincial center, an
    expert whose panel holds 20 Guangzhou cases, an applicant with its own case."""
    from evalorg.accounts.models import Agency
    from evalorg.institutions.models import Membership
    from evalorg.rounds.models import Round

    round_ = Round.objects.get(code="gd-2023")
    gz = Agency.objects.get(kind="city", division_id=GZ)
    province = Agency.objects.get(kind="province")
    world = World(
        round=round_,
        city_staff=user("bench_city", "city_staff", gz),
        province_staff=user("bench_province", "province_staff", province),
        expert=user("bench_expert", "expert"),
        applicant=user("bench_applicant", "applicant"),
    )
    grow(world, 20)
    Membership.objects.create(user=world.applicant, institution=world.applications[0].institution)
    assign_panel(round_, gz, world.applications[:20], [world.expert])
    return world


def grow(world: World, count: int) -> None:
    """``count`` more submitted Guangzhou applications (the city inbox's worst case): a fifth
    of them sent to the province with the city's results, another fifth filed with a letter
    (the public registry: a fifth fills its 20-row first page from 100 applications on; with a
    tenth, 10 rows at 100 against 20 from 1,000 made its growth measure the page filling up)."""
    from evalorg.applications.models import State

    gz, province = world.city_staff.agency, world.province_staff.agency
    start = len(world.applications)
    members = institutions(count, GZ, counties_of(GZ), f"基准{start:05d}-")
    cases = applications(world.round, gz, members, State.SUBMITTED, f"2023-4401-{start:05d}")
    send_to_province(cases[::5], gz, province)
    file_letters(cases[1::5], world.city_staff, start)
    world.applications += cases
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would gather after such a load: without them the
        # planner takes 10,000 rows for 20 (EXPLAIN ANALYZE) and its plans say nothing.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def send_to_province(cases: list, city, province) -> None:
    from evalorg.applications.models import Application, State
    from evalorg.review.models import ReviewStage, Stage

    opened = SUBMITTED_AT + timedelta(days=10)
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=case,
            stage=Stage.CITY_ASSESSMENT,
            agency=city,
            opened_at=opened,
            recommended=True,
            rank=n % 50 + 1,
            total=80 + n % 20,
            sent_at=opened + timedelta(days=5),
        )
        for n, case in enumerate(cases)
    )
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=case, stage=Stage.PROVINCE_SELECTION, agency=province, opened_at=opened
        )
        for case in cases
    )
    Application.objects.filter(pk__in=[c.pk for c in cases]).update(state=State.PROVINCE_REVIEW)


def stored_file(name: str):
    from evalorg.core.models import StoredFile

    return StoredFile.objects.create(
        original_name=name, kind="pdf", content_type="application/pdf", size=1, sha256="0" * 64
    )


def file_letters(cases: list, issuer, start: int = 0) -> None:
    from evalorg.applications.models import Application, ApplicationOccupation, State
    from evalorg.filing.models import FilingLetter

    pdf, docx = stored_file("letter.pdf"), stored_file("letter.docx")
    FilingLetter.objects.bulk_create(
        FilingLetter(
            application=case,
            number=f"粤职评备〔2023〕{start + n + 1:06d}号",
            issued_on=date(2023, 12, 1) + timedelta(days=n % 30),
            valid_until=date(2028, 11, 30),
            docx=docx,
            pdf=pdf,
            docx_sha256="0" * 64,
            pdf_sha256="0" * 64,
            issued_by=issuer,
        )
        for n, case in enumerate(cases)
    )
    pks = [c.pk for c in cases]
    Application.objects.filter(pk__in=pks).update(state=State.FILED)
    ApplicationOccupation.objects.filter(application_id__in=pks).update(
        status=ApplicationOccupation.Status.FILED
    )


def assign_panel(round_, agency, cases: list, experts: list, stage: str = "city_assessment"):
    from evalorg.review.models import Assignment, Panel, PanelMember

    panel = Panel.objects.create(agency=agency, round=round_, stage=stage, name="基准评审组")
    PanelMember.objects.bulk_create(
        PanelMember(panel=panel, expert=e, is_chair=n == 0) for n, e in enumerate(experts)
    )
    Assignment.objects.bulk_create(Assignment(panel=panel, application=c) for c in cases)
    return panel


def build_ranking(count: int, city: str) -> object:
    """``count`` cases of ``city`` scored by a panel of three experts, each with a city
    decision (recommended); returns a staff user of that city."""
    from evalorg.accounts.models import Agency
    from evalorg.applications.models import State
    from evalorg.review.models import ReviewStage, Scoresheet, Stage
    from evalorg.rounds.defaults import DEFAULT_SCORESHEET
    from evalorg.rounds.models import Round

    round_ = Round.objects.get(code="gd-2023")
    agency = Agency.objects.get(kind="city", division_id=city)
    members = institutions(count, city, counties_of(city), f"排名{city}-")
    cases = applications(round_, agency, members, State.CITY_ASSESSED, f"2023-{city[:4]}")
    experts = [user(f"bench_expert_{city}_{k}", "expert") for k in range(3)]
    panel = assign_panel(round_, agency, cases, experts)
    items = [item["code"] for item in DEFAULT_SCORESHEET["items"]]
    Scoresheet.objects.bulk_create(
        Scoresheet(
            panel=panel,
            application=case,
            expert=expert,
            status=Scoresheet.Status.SUBMITTED,
            scores={code: 5 + (n + k + j) % 6 for j, code in enumerate(items)},
            opinion="recommend",
            submitted_at=SUBMITTED_AT + timedelta(days=12),
        )
        for n, case in enumerate(cases)
        for k, expert in enumerate(experts)
    )
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=case,
            stage=Stage.CITY_ASSESSMENT,
            agency=agency,
            opened_at=SUBMITTED_AT + timedelta(days=10),
            recommended=True,
            reason="产业代表性突出，同意推荐。",
        )
        for case in cases
    )
    from evalorg.review.ranking import refresh_round

    refresh_round(round_)  # the stored scores the ranking pages by, as after a bulk load
    return user(f"bench_staff_{city}", "city_staff", agency)


def second_factor_device(user) -> str:
    """The persistent id of a confirmed TOTP device of ``user`` (created when missing), to mark
    a benchmark's session as past the second factor, as the code form would: the benchmarks
    measure the pages, not the login (issue 11 requires the second factor for staff)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return device.persistent_id


def client_for(world: World, role: str | None) -> Client:
    """A test client, signed in (past the second factor) as ``world``'s ``role``, or anonymous."""
    client = Client()
    if role:
        signed_in(client, getattr(world, role))
    return client


def signed_in(client, user) -> None:
    """``client`` logged in as ``user`` with the second factor passed."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = second_factor_device(user)
    session.save()
