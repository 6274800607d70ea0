"""The public registry (no login, N-5.2): the searchable page, CSV and JSON open data with
``ETag``/``Last-Modified`` (304 on ``If-None-Match``), and the published field description."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import condition, require_GET

from evalorg.applications.models import SkillLevel
from evalorg.core import clock
from evalorg.core.replica import replica_view
from evalorg.documents.xlsx import safe

from . import registry

PAGE_SIZE = 20
BOM = "\ufeff"


def _fingerprint(request: HttpRequest) -> tuple[str, datetime | None]:
    """``registry.fingerprint()`` once per request (the ETag and Last-Modified both read it)."""
    found = getattr(request, "_registry_fingerprint", None)
    if found is None:
        found = registry.fingerprint()
        setattr(request, "_registry_fingerprint", found)  # noqa: B010 (not an HttpRequest field)
    return found


def _etag(request: HttpRequest, *args) -> str:
    base, _latest = _fingerprint(request)
    query = request.GET.urlencode()
    return hashlib.sha256(f"{base}:{request.path}:{query}".encode()).hexdigest()[:32]


def _last_modified(request: HttpRequest, *args):
    return _fingerprint(request)[1]


open_data = condition(etag_func=_etag, last_modified_func=_last_modified)


@require_GET
@replica_view
def registry_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(registry.search(request.GET), PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.today()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "filing/registry.html",
        {
            "page": page,
            "rows": [
                registry.row(letter, today) | {"institution_id": letter.application.institution_id}
                for letter in page.object_list
            ],
            "cities": registry.cities(),
            "levels": SkillLevel.choices,
            "params": request.GET,
            "query": query.urlencode(),
            "uscc_hint": registry.partial_uscc_hint(request.GET),
        },
    )


def fields(request: HttpRequest) -> HttpResponse:
    return render(request, "filing/registry_fields.html", {"fields": registry.FIELDS})


def _csv_lines(request: HttpRequest) -> Iterator[str]:
    """One string per batch of rows (``registry.export_rows``), the header first."""
    keys = [f.key for f in registry.FIELDS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(f.label) for f in registry.FIELDS])
    yield BOM + out.getvalue()
    for rows in registry.export_rows(registry.search(request.GET), clock.today()):
        out.seek(0)
        out.truncate()
        for row in rows:
            row["occupations"] = registry.occupations_text(row["occupations"])
            row["former_names"] = "；".join(row["former_names"])
            row["status_history"] = registry.history_text(row["status_history"])
            writer.writerow([safe(row[key]) for key in keys])
        yield out.getvalue()


@require_GET
@replica_view
@open_data
def registry_csv(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(request), content_type="text/csv; charset=utf-8")
    name = f"社会培训评价组织备案名录-{clock.today():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _json_parts(request: HttpRequest) -> Iterator[str]:
    today = clock.today()
    head = {
        "title": "广东省社会培训评价组织备案名录",
        "generated_on": today.isoformat(),
        "fields": [{"key": f.key, "label": str(f.label)} for f in registry.FIELDS],
    }
    encode = json.JSONEncoder(ensure_ascii=False).encode
    yield encode(head)[:-1] + ', "items": ['
    separator = ""
    for rows in registry.export_rows(registry.search(request.GET), today):
        yield separator + ",".join(encode(row) for row in rows)
        separator = ","
    yield "]}"


@require_GET
@replica_view
@open_data
def registry_json(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        _json_parts(request), content_type="application/json; charset=utf-8"
    )


@require_GET
@replica_view
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """A filed organization's registry page: the rows of its letters with their status and
    the dated history of its status (N-5.2); 404 for an organization not in the registry."""
    letters = list(
        registry.search({}).filter(application__institution_id=pk).order_by("issued_on", "pk")
    )
    if not letters:
        raise Http404
    institution = letters[0].application.institution
    today = clock.today()
    return render(
        request,
        "filing/registry_organization.html",
        {
            "institution": institution,
            "rows": [registry.row(letter, today) for letter in letters],
            "status": registry.org_status_of(letters[-1]),
            "history": registry.history_of(institution),
            "links": registry.organization_links(institution.pk),
        },
    )


@require_GET
def acceptance(request: HttpRequest) -> HttpResponse:
    """Published acceptance batches (成熟一批，公布一批, N-4.3): organizations, cities, filed
    occupations and levels; no personal data."""
    from .batches import published_batches

    return render(request, "filing/acceptance_public.html", {"batches": published_batches()})
