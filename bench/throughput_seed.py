"""Data for `make bench-throughput` (run by bench/throughput.py with DATABASE_URL set): the
list benchmark's world with ``sys.argv[1]`` Guangzhou applications, staff passwords set and
a signed-in session per staff user written to ``sys.argv[2]``."""

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
from django_otp import DEVICE_ID_SESSION_KEY

PASSWORD = "Throughput-2026!"


def main() -> None:
    world = common.build_world()
    common.grow(world, int(sys.argv[1]) - len(world.applications))
    hashed = make_password(PASSWORD)
    for user in (world.city_staff, world.province_staff, world.expert, world.applicant):
        user.password = hashed
        user.save(update_fields=["password"])
    # Signed-in sessions made here, so the run measures the pages and not password hashing.
    sessions = {}
    for user in (world.city_staff, world.province_staff, world.expert):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = common.second_factor_device(user)  # past the code form
        store.create()
        sessions[user.username] = store.session_key
    Path(sys.argv[2]).write_text(json.dumps(sessions))
    print(f"seeded {len(world.applications)} applications")


if __name__ == "__main__":
    main()
