"""Data for `make bench-letters` (run by bench/letters.py with DATABASE_URL set): the list
benchmarks' world, ``sys.argv[1]`` more Guangzhou cases at the end of cultivation with their
lines' question banks passed, proposed in one acceptance batch and approved by the department
through the real path (``create_batch``, ``record_approval``: the cases are accepted by the
engine); passwords set, signed-in staff sessions written to ``sys.argv[2]`` as JSON with the
batch id and the applicant's username."""

from __future__ import annotations

import os
import sys

os.environ["BENCH_KEEP_DATABASE_URL"] = "1"

import json
from pathlib import Path

import common
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY

PASSWORD = "Letters-Bench-2026!"


def approved_batch(world: common.World, count: int):
    from evalorg.accounts.models import Agency, Role
    from evalorg.applications.models import ApplicationOccupation, State
    from evalorg.core import clock
    from evalorg.filing.batches import Tick, create_batch, record_approval
    from tests.applications.conftest import PDF_BYTES

    gz, province = world.city_staff.agency, world.province_staff.agency
    members = common.institutions(count, common.GZ, common.counties_of(common.GZ), "备案函基准")
    cases = common.applications(world.round, gz, members, State.CULTIVATING, "2023-4401-L")
    # Fixture rows, as the tests build them: the banks' review is not what is measured.
    ApplicationOccupation.objects.filter(application__in=cases).update(
        status=ApplicationOccupation.Status.BANK_PASSED
    )
    department = common.user(
        "bench_department", Role.DEPARTMENT, Agency.objects.get(kind="department")
    )
    batch = create_batch(world.round, "基准验收批次", cases, world.province_staff)
    record_approval(
        batch,
        [Tick(case.pk, True) for case in cases],
        decided_on=clock.today(),
        meeting_ref="基准会议",
        minutes=SimpleUploadedFile("纪要.pdf", PDF_BYTES, content_type="application/pdf"),
        user=department,
    )
    assert province is not None
    return batch


def signed_in(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = common.second_factor_device(user)  # past the code form
    store.create()
    return store.session_key


def main() -> None:
    world = common.build_world()
    batch = approved_batch(world, int(sys.argv[1]))
    hashed = make_password(PASSWORD)
    for user in (world.city_staff, world.province_staff, world.applicant):
        user.password = hashed
        user.save(update_fields=["password"])
    seeded = {
        "batch": batch.pk,
        "cases": batch.entries.count(),
        "applicant": world.applicant.username,
        "password": PASSWORD,
        "city": signed_in(world.city_staff),
        "province": signed_in(world.province_staff),
    }
    Path(sys.argv[2]).write_text(json.dumps(seeded))
    print(f"seeded an approved acceptance batch of {seeded['cases']} cases")


if __name__ == "__main__":
    main()
