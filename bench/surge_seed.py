"""Data for `make bench-surge` (run by bench/surge.py with DATABASE_URL set), by bulk_create:

surge_seed.py seed N OUT.json   N applicants, each with an eligible institution (Guangzhou),
                                its N-2.4.2 declarations and a draft in a round open today
                                holding every required material but the application form
                                (which the load test uploads); writes the logins to OUT.json
surge_seed.py count             the submitted drafts and distinct acknowledgement numbers
surge_seed.py hashing           the median time of one password hash and one check
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

PASSWORD = "Surge-2026-pass!"
UPLOADED_ITEM = "application_form"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SERIAL_BASE = 700000


def surge_round():
    from evalorg.rounds.defaults import demo_round
    from evalorg.rounds.models import Round

    demo_round(None)  # a copy of the reference round, open today
    return Round.objects.exclude(is_reference=True).order_by("-pk").first()


def seed(count: int, out: Path) -> None:
    from evalorg.accounts.models import User
    from evalorg.applications.materials import applicable_items
    from evalorg.applications.models import Application, ApplicationOccupation, Material
    from evalorg.core.models import StoredFile
    from evalorg.institutions.models import (
        ExclusionDeclaration,
        ExclusionItem,
        Institution,
        Membership,
    )
    from tests.factories import make_uscc

    round_ = surge_round()
    hashed = make_password(PASSWORD)  # one hash for all: seeding is not what we measure
    users = User.objects.bulk_create(
        User(username=f"surge{n:04d}", role="applicant", password=hashed) for n in range(count)
    )
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"广州冲刺测试{n:04d}职业培训有限公司",
            uscc=make_uscc(serial=SERIAL_BASE + n),
            category="leading_enterprise",
            level="municipal",
            city_id="440100",
            county_id="440106",
            contact_email=f"surge{n}@example.cn",
            legal_rep_name="测试法定代表人",
            legal_rep_id_number="440102199001010018",
            contact_name="测试联系人",
            contact_phone=f"020-8{n:07d}",
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=u, institution=i) for u, i in zip(users, institutions, strict=True)
    )
    ExclusionDeclaration.objects.bulk_create(
        ExclusionDeclaration(institution=i, item=item, applies=False)
        for i in institutions
        for item in ExclusionItem.values
    )
    drafts = Application.objects.bulk_create(
        Application(round=round_, institution=i, created_by=u)
        for u, i in zip(users, institutions, strict=True)
    )
    ApplicationOccupation.objects.bulk_create(
        ApplicationOccupation(application=a, occupation_id="6-18-02-04", level=level)
        for a in drafts
        for level in (5, 4)
    )
    items = [i for i in applicable_items(drafts[0]) if i.code != UPLOADED_ITEM]
    files = StoredFile.objects.bulk_create(
        StoredFile(
            original_name=f"{item.title[:20]}.pdf",
            kind="pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
            uploaded_by=user,
        )
        for user in users
        for item in items
    )
    for stored in files:
        default_storage.save(stored.storage_path, ContentFile(PDF))
    Material.objects.bulk_create(
        Material(application=a, item_code=item.code, file=files[n * len(items) + k])
        for n, a in enumerate(drafts)
        for k, item in enumerate(items)
    )
    logins = [
        {"username": u.username, "password": PASSWORD, "application": a.pk}
        for u, a in zip(users, drafts, strict=True)
    ]
    out.write_text(json.dumps({"item": UPLOADED_ITEM, "logins": logins}))
    print(f"seeded {count} applicants with drafts in {round_.code}")


def count() -> None:
    from evalorg.applications.models import Application

    submitted = Application.objects.filter(
        created_by__username__startswith="surge", submitted_at__isnull=False
    )
    numbers = set(submitted.values_list("acknowledgement_no", flat=True))
    print(json.dumps({"stored": submitted.count(), "distinct_numbers": len(numbers - {""})}))


def hashing() -> None:
    samples, checks = [], []
    hashed = make_password(PASSWORD)
    for _ in range(5):
        start = time.perf_counter()
        make_password(PASSWORD)
        samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        check_password(PASSWORD, hashed)
        checks.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "algorithm": hashed.split("$", 1)[0],
                "hash_ms": statistics.median(samples) * 1000,
                "check_ms": statistics.median(checks) * 1000,
            }
        )
    )


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        seed(int(sys.argv[2]), Path(sys.argv[3]))
    elif command == "count":
        count()
    else:
        hashing()
