"""The 21 city agencies, the provincial center and the department, from the divisions."""

from __future__ import annotations

from pathlib import Path

from evalorg.catalog.models import Division
from evalorg.core.reference import LoadResult

from .models import Agency

PROVINCE_CODE = "440000"


def load_agencies(_data_dir: Path) -> LoadResult:
    created = 0
    cities = Division.objects.filter(level=Division.Level.PREFECTURE).order_by("code")
    for city in cities:
        _, was_created = Agency.objects.get_or_create(
            code=f"city-{city.code}",
            defaults={
                "kind": Agency.Kind.CITY,
                "name": f"{city.name}职业技能评价指导机构",
                "division": city,
            },
        )
        created += was_created
    for code, kind, name in [
        ("province-center", Agency.Kind.PROVINCE, "广东省职业技能服务指导中心"),
        ("department", Agency.Kind.DEPARTMENT, "广东省人力资源和社会保障厅"),
    ]:
        _, was_created = Agency.objects.get_or_create(
            code=code, defaults={"kind": kind, "name": name, "division_id": PROVINCE_CODE}
        )
        created += was_created
    counts = {kind: Agency.objects.filter(kind=kind).count() for kind in Agency.Kind.values}
    return LoadResult("agencies", counts, created)
