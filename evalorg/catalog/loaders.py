"""Idempotent loaders for the reference data in ``catalog/data`` (see data/SOURCES.md)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import models

from evalorg.core.reference import LoadResult

from .models import (
    AccessTypeOccupation,
    Division,
    Occupation,
    SkillStandard,
    SkillStandardCatalog,
    UsccCode,
)

MARKER = re.compile(r"(L/S|L|S)$")


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def upsert(model: type[models.Model], key: str, rows: Iterable[dict]) -> tuple[int, int]:
    """Create missing rows and update changed ones by ``key``; returns (created, updated)."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    to_create, to_update, fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            to_create.append(model(**row))
            continue
        changed = [f for f, v in row.items() if f != key and getattr(obj, f) != v]
        if changed:
            for field in changed:
                setattr(obj, field, row[field])
            fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=500)
    return len(to_create), len(to_update)


def load_divisions(data_dir: Path) -> LoadResult:
    rows = list(read_csv(data_dir / "guangdong_admin_divisions.csv"))
    # Parents first, so the self-referencing foreign key always has its target.
    order = {"province": 0, "prefecture": 1, "county": 2}
    created = updated = 0
    for level in sorted(order, key=order.get):
        batch = [
            {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "parent_id": r["parent_code"] or None,
                "county_kind": r["county_kind"],
            }
            for r in rows
            if r["level"] == level
        ]
        c, u = upsert(Division, "code", batch)
        created, updated = created + c, updated + u
    counts = {
        level: Division.objects.filter(level=level).count() for level in Division.Level.values
    }
    return LoadResult("divisions", counts, created, updated)


def clean_name(raw: str) -> tuple[str, bool, bool]:
    """Strip the green/digital markers: ``森林消防员L`` → (森林消防员, True, False)."""
    match = MARKER.search(raw)
    if not match:
        return raw, False, False
    marker = match.group(1)
    return raw[: match.start()], "L" in marker, "S" in marker


def occupation_rows(path: Path) -> list[dict]:
    """Rows keyed by code, duplicates resolved as documented in docs/reference-data.md.

    Exact duplicate rows are dropped; a code present both as 小类 and as leaf (2-03-01-00)
    is kept once as a leaf, like the 93 other 小类 without 细类 (coded x-xx-xx-00).
    """
    by_code: dict[str, dict] = {}
    for raw in read_csv(path):
        level = int(raw["level"])
        previous = by_code.get(raw["code"])
        if previous is not None and previous["level"] >= level:
            continue
        name, green, digital = clean_name(raw["name"].strip())
        by_code[raw["code"]] = {
            "code": raw["code"],
            "level": level,
            "name": name,
            "major_group": int(raw["code"][0]),
            "is_green": green,
            "is_digital": digital,
            "definition": raw["definition"].strip(),
            "tasks": raw["tasks"].strip(),
        }
    for row in by_code.values():
        row["parent_id"] = parent_code(row["code"], row["level"], by_code)
    return sorted(by_code.values(), key=lambda r: (r["level"], r["code"]))


def parent_code(code: str, level: int, known: dict[str, dict]) -> str | None:
    major, medium, minor, _ = code.split("-")
    candidates = {
        1: [],
        2: [f"{major}-00-00-00"],
        3: [f"{major}-{medium}-00-00"],
        4: [f"{major}-{medium}-{minor}-00", f"{major}-{medium}-00-00"],
    }[level]
    for candidate in candidates:
        if candidate != code and candidate in known:
            return candidate
    return None


def load_occupations(data_dir: Path) -> LoadResult:
    rows = occupation_rows(data_dir / "csco22_occupations_2022.csv")
    created = updated = 0
    for level in (1, 2, 3, 4):
        c, u = upsert(Occupation, "code", [r for r in rows if r["level"] == level])
        created, updated = created + c, updated + u
    counts = {
        str(label): Occupation.objects.filter(level=value).count()
        for value, label in Occupation.Level.choices
    }
    return LoadResult("occupations", counts, created, updated)


def load_access_types(data_dir: Path) -> LoadResult:
    source = "《国家职业资格目录（2021年版）》准入类技能人员职业资格"
    known = set(Occupation.objects.values_list("code", flat=True))
    rows = []
    for raw in read_csv(data_dir / "access_type_occupations.csv"):
        code = raw["code"] or None
        if code is not None and code not in known:
            raise ValueError(f"access-type {raw['name']}: unknown occupation code {code}")
        rows.append(
            {
                "name": raw["name"],
                "occupation_id": code,
                "exempt": raw["exempt"] == "1",
                "note": raw["note"],
                "source": source,
            }
        )
    created, updated = upsert(AccessTypeOccupation, "name", rows)
    return LoadResult(
        "access_type_occupations",
        {"entries": AccessTypeOccupation.objects.count()},
        created,
        updated,
    )


def import_standards(path: Path, *, is_sample: bool) -> tuple[int, int, list[str]]:
    """Import ``code,title,edition,issuing_document`` rows; returns (created, updated, errors)."""
    known = set(Occupation.objects.leaves().values_list("code", flat=True))
    created = updated = 0
    errors = []
    for line, raw in enumerate(read_csv(path), start=2):
        if raw["code"] not in known:
            errors.append(f"第 {line} 行：职业代码 {raw['code']} 不在职业分类大典中")
            continue
        _, was_created = SkillStandard.objects.get_or_create(
            occupation_id=raw["code"],
            edition=raw["edition"].strip(),
            defaults={
                "title": raw["title"].strip(),
                "issuing_document": raw.get("issuing_document", "").strip(),
                "is_sample": is_sample,
            },
        )
        created += was_created
    return created, updated, errors


def load_skill_standards(data_dir: Path) -> LoadResult:
    catalog = SkillStandardCatalog.current()
    created, updated, errors = import_standards(
        data_dir / "skill_standards_sample.csv", is_sample=True
    )
    if errors:
        raise ValueError("; ".join(errors))
    return LoadResult(
        "skill_standards",
        {"standards": SkillStandard.objects.count(), "complete": int(catalog.is_complete)},
        created,
        updated,
    )


def load_uscc_codes(data_dir: Path) -> LoadResult:
    existing = set(UsccCode.objects.values_list("authority_code", "category_code"))
    new = [
        UsccCode(**row)
        for row in read_csv(data_dir / "uscc_authority_category_codes.csv")
        if (row["authority_code"], row["category_code"]) not in existing
    ]
    UsccCode.objects.bulk_create(new)
    return LoadResult("uscc_codes", {"codes": UsccCode.objects.count()}, len(new))
