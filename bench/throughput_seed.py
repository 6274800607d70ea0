"""Data for `make bench-throughput` (run by bench/throughput.py with DATABASE_URL set): the
list benchmark's world with ``sys.argv[1]`` Guangzhou applications, staff passwords set."""

from __future__ import annotations

import os
import sys

os.environ["BENCH_KEEP_DATABASE_URL"] = "1"

import common
from django.contrib.auth.hashers import make_password

PASSWORD = "Throughput-2026!"


def main() -> None:
    world = common.build_world()
    common.grow(world, int(sys.argv[1]) - len(world.applications))
    hashed = make_password(PASSWORD)
    for user in (world.city_staff, world.province_staff, world.expert, world.applicant):
        user.password = hashed
        user.save(update_fields=["password"])
    print(f"seeded {len(world.applications)} applications")


if __name__ == "__main__":
    main()
