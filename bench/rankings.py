"""The city and provincial rankings at a province's scale (issue 24): `make bench-rankings`.

On a throw-away SQLite database (or ``--database-url`` through ``DATABASE_URL`` with
``BENCH_KEEP_DATABASE_URL=1``), for each size (default 1,000 and 10,000 scored cases): the city
ranking (one city's cases, scored by three experts, half awaiting a decision) and the
province's merit ranking (the same number of cases sent by five cities, scored by the
provincial panel). Per page: HTML size, median CPU of this process, query count; per decision
POST (not_recommend at the city, reject at the province): median CPU and query count.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

import common
from django.test import Client

SIZES = (1_000, 10_000)
RUNS = 5
POSTS = 5
PROVINCE_CITIES = ("440100", "440300", "440400", "440500", "440700")


def fetch(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body)


def scoresheets(panel, cases: list, experts: list) -> None:
    from evalorg.review.models import Scoresheet
    from evalorg.rounds.defaults import DEFAULT_SCORESHEET

    items = [item["code"] for item in DEFAULT_SCORESHEET["items"]]
    Scoresheet.objects.bulk_create(
        # Scores repeat every 6 cases: many ties, as a real ranking has.
        Scoresheet(
            panel=panel,
            application=case,
            expert=expert,
            status=Scoresheet.Status.SUBMITTED,
            scores={code: 5 + (n + k + j) % 6 for j, code in enumerate(items)},
            opinion="recommend",
            submitted_at=common.SUBMITTED_AT + timedelta(days=12),
        )
        for n, case in enumerate(cases)
        for k, expert in enumerate(experts)
    )


def refresh(round_) -> None:
    """After bulk loads the stored scores are worked out once (absent before issue 24)."""
    try:
        from evalorg.review.ranking import refresh_round
    except ImportError:
        return
    refresh_round(round_)


def build_city(size: int, city: str):
    """``size`` cases of ``city`` assessed by three experts; the first half decided."""
    from evalorg.accounts.models import Agency
    from evalorg.applications.models import Application, State
    from evalorg.review.models import ConflictDeclaration, ReviewStage, Stage
    from evalorg.rounds.models import Round

    round_ = Round.objects.get(code="gd-2023")
    agency = Agency.objects.get(kind="city", division_id=city)
    members = common.institutions(size, city, common.counties_of(city), f"排名{city}-")
    cases = common.applications(round_, agency, members, State.CITY_ASSESSED, f"2023-{city[:4]}")
    experts = [common.user(f"bench_expert_{city}_{k}", "expert") for k in range(3)]
    panel = common.assign_panel(round_, agency, cases, experts)
    scoresheets(panel, cases, experts)
    ConflictDeclaration.objects.bulk_create(
        ConflictDeclaration(panel=panel, application=c, expert=e, kind="none")
        for c in cases
        for e in experts
    )
    decided = cases[: size // 2]
    ReviewStage.objects.bulk_create(
        ReviewStage(
            application=case,
            stage=Stage.CITY_ASSESSMENT,
            agency=agency,
            opened_at=common.SUBMITTED_AT + timedelta(days=10),
            recommended=False,
            reason="理由",
        )
        for case in decided
    )
    Application.objects.filter(pk__in=[c.pk for c in decided]).update(state=State.NOT_RECOMMENDED)
    refresh(round_)
    return common.user(f"bench_staff_{city}", "city_staff", agency), cases[size // 2 :]


def build_province(size: int, tag: str):
    """``size`` cases sent by five cities, scored by the provincial panel's three experts."""
    from evalorg.accounts.models import Agency
    from evalorg.review.models import ConflictDeclaration, Stage
    from evalorg.rounds.models import Round

    round_ = Round.objects.get(code="gd-2023")
    province = Agency.objects.get(kind="province")
    cases = []
    for city in PROVINCE_CITIES:
        agency = Agency.objects.get(kind="city", division_id=city)
        members = common.institutions(
            size // len(PROVINCE_CITIES), city, common.counties_of(city), f"省{tag}{city}-"
        )
        sent = common.applications(
            round_, agency, members, "city_assessed", f"2023-{tag}{city[2:4]}"
        )
        common.send_to_province(sent, agency, province)
        cases += sent
    experts = [common.user(f"bench_pexpert_{tag}_{k}", "expert") for k in range(3)]
    panel = common.assign_panel(round_, province, cases, experts, Stage.PROVINCE_SELECTION)
    scoresheets(panel, cases, experts)
    ConflictDeclaration.objects.bulk_create(
        ConflictDeclaration(panel=panel, application=c, expert=e, kind="none")
        for c in cases
        for e in experts
    )
    refresh(round_)
    staff = common.user(f"bench_center_{tag}", "province_staff", province)
    return staff, cases


def measure_page(client: Client, name: str, url: str, runs: int) -> dict:
    fetch(client, url)
    size = fetch(client, url)
    queries = common.count_queries(lambda: fetch(client, url))
    cpu = common.median_cpu(lambda: fetch(client, url), runs)
    print(
        f"    {name:<34} {size / 1024:9.0f} KiB  CPU {common.ms(cpu):>10}  {queries:>3} queries",
        flush=True,
    )
    return {"kib": size / 1024, "cpu": cpu, "queries": queries}


def measure_posts(client: Client, name: str, posts: list[tuple[str, dict]]) -> dict:
    cpus, queries = [], []
    for url, data in posts:
        counter = common.QueryCounter()
        start = time.process_time()
        with common.connection.execute_wrapper(counter):
            response = client.post(url, data)
        cpus.append(time.process_time() - start)
        queries.append(counter.count)
        assert response.status_code == 302, (url, response.status_code)
    cpus.sort()
    cpu = cpus[len(cpus) // 2]
    print(
        f"    {name:<34} {'':>13}  CPU {common.ms(cpu):>10}  {max(queries):>3} queries",
        flush=True,
    )
    return {"cpu": cpu, "queries": max(queries)}


def bench_size(size: int, city: str, tag: str, runs: int) -> dict:
    results = {}
    start = time.perf_counter()
    staff, undecided = build_city(size, city)
    center, sent = build_province(size, tag)
    print(f"== {size} cases per ranking (built in {time.perf_counter() - start:.1f} s)")
    client = Client()
    common.signed_in(client, staff)
    results["city page"] = measure_page(client, "city ranking page", "/review/ranking/", runs)
    posts = [
        (
            f"/review/ranking/{case.pk}/decide/",
            {"decision": "not_recommend", "reason": "基准", "confirm": "yes"},
        )
        for case in undecided[:POSTS]
    ]
    results["city post"] = measure_posts(client, "city decision POST", posts)
    client = Client()
    common.signed_in(client, center)
    url = "/review/selection/ranking/"
    results["province page"] = measure_page(client, "province ranking page", url, runs)
    posts = [
        (
            f"/review/selection/ranking/{case.pk}/decide/",
            {
                "decision": "reject",
                "reason": "基准",
                "applicant_reason": "基准",
                "confirm": "yes",
            },
        )
        for case in sent[:POSTS]
    ]
    results["province post"] = measure_posts(client, "province decision POST", posts)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    common.fresh_database()
    cities = ("440600", "441300", "441900", "442000")
    for n, size in enumerate(int(s) for s in args.sizes.split(",")):
        bench_size(size, cities[n], f"P{n}", args.runs)
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
