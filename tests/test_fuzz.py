"""Fuzzed input (issue #11, docs/security.md "Fuzzing"): generated bodies for the sign-up, the
wizard's institution step, the declarations, the expert's scoresheet and the material upload.
Every response is below 500; a refused request (anything but a redirect) stores nothing and
leaves the audit chain as long as it was.

Examples per form: ``FUZZ_EXAMPLES`` (default 50, derandomized; ``EVALORG_FUZZ=full`` runs 1,000
random ones per form).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalorg.accounts.models import User
from evalorg.applications.models import Application, Material
from evalorg.core.models import AuditEvent, StoredFile
from evalorg.institutions.models import ExclusionDeclaration, Institution
from evalorg.review.models import Scoresheet
from tests.applications.conftest import applicant_of, build_application
from tests.factories import MINIMAL_PDF
from tests.institutions.test_pages import declaration_data, signup_data
from tests.review.conftest import verified
from tests.review.test_expert import declare_none, full_sheet, urls

pytestmark = pytest.mark.django_db

# The default keeps `make test` affordable on 2 shared cores; EVALORG_FUZZ=full for the audit run.
FUZZ_EXAMPLES = 1000 if os.environ.get("EVALORG_FUZZ") == "full" else 50
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("EVALORG_FUZZ") != "full",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# Text that tends to break things: formulas, markup, control characters, huge numbers, CJK.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "=cmd|' /C calc'!A0",
        "<script>alert(1)</script>",
        "\x00",
        "9" * 400,
        "-1",
        "1e309",
        "NaN",
        "0x10",
        "../../etc/passwd",
        "' OR 1=1 --",
        "粤" * 300,
        "\u202eexe.pdf",
    ]
)
VALUE = st.one_of(
    NASTY,
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)


def mutated(base: dict) -> st.SearchStrategy[dict]:
    """The valid ``base`` with some fields replaced, dropped, or extra ones added."""
    keys = sorted(base)
    return st.fixed_dictionaries(
        {
            "replace": st.dictionaries(st.sampled_from(keys), VALUE, max_size=len(keys)),
            "drop": st.sets(st.sampled_from(keys), max_size=3),
            "extra": st.dictionaries(st.text(min_size=1, max_size=12), VALUE, max_size=2),
        }
    ).map(
        lambda m: {
            **{k: v for k, v in base.items() if k not in m["drop"]},
            **m["replace"],
            **m["extra"],
        }
    )


Snapshot = Callable[[], tuple]


def counter(*models: type[Model], rows=None) -> Snapshot:
    """Row counts of ``models`` and of the audit chain, plus the values of ``rows`` (a queryset
    whose rows a refused request must leave as they were)."""
    return lambda: (
        tuple(m.objects.count() for m in (*models, AuditEvent)),
        [] if rows is None else list(rows.values()),
    )


def check(response, snapshot: Snapshot, before: tuple) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code != 302:  # refused: nothing stored, the chain as long as before
        assert snapshot() == before


def test_fuzz_signup(client):
    base = signup_data()
    snapshot = counter(User, Institution)
    url = reverse("institutions:signup")

    @FUZZ
    @given(data=mutated(base))
    def run(data):
        before = snapshot()
        check(client.post(url, data), snapshot, before)
        client.logout()

    run()


def test_fuzz_wizard_institution_step(client):
    application = build_application()
    client.force_login(applicant_of(application))
    url = reverse("applications:step_institution", args=[application.pk])
    institution = application.institution
    base = {
        "name": institution.name,
        "category": institution.category,
        "other_kind": "",
        "level": institution.level,
        "city": institution.city_id,
        "county": institution.county_id or "",
        "address": institution.address,
        "recommending_authority": "",
        "route": "",
    }
    snapshot = counter(Application, rows=Institution.objects.filter(pk=institution.pk))

    @FUZZ
    @given(data=mutated(base))
    def run(data):
        before = snapshot()
        check(client.post(url, data), snapshot, before)

    run()


def test_fuzz_declarations(client):
    application = build_application()
    client.force_login(applicant_of(application))
    url = reverse("institutions:declarations")
    snapshot = counter(ExclusionDeclaration, StoredFile)

    @FUZZ
    @given(data=mutated(declaration_data()))
    def run(data):
        before = snapshot()
        check(client.post(url, data), snapshot, before)

    run()


def test_fuzz_scoresheet(client):
    from evalorg.review.models import Assignment, Panel, PanelMember
    from tests.factories import CityStaffFactory, UserFactory

    staff = CityStaffFactory()
    application = verified(staff)
    panel = Panel.objects.create(
        agency=staff.agency, round=application.round, stage="city_assessment", name="广州评审组"
    )
    expert = UserFactory(role="expert")
    PanelMember.objects.create(panel=panel, expert=expert)
    Assignment.objects.create(panel=panel, application=application)
    client.force_login(expert)
    declare_none(client, application)
    sheet_url = urls(application)[1]
    snapshot = counter(Scoresheet, rows=Scoresheet.objects.order_by("pk"))

    @FUZZ
    @given(data=mutated(full_sheet()))
    def run(data):
        before = snapshot()
        check(client.post(sheet_url, data), snapshot, before)

    run()


CONTENT = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=512).map(lambda b: b"%PDF-1.4\n" + b),
    st.binary(max_size=512).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
    st.binary(max_size=512).map(lambda b: b"\xff\xd8\xff\xe0" + b),
    st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=256).map(lambda b: MINIMAL_PDF + b),
    st.binary(max_size=256).map(lambda b: MINIMAL_PDF.replace(b"%%EOF", b) + b"/JavaScript"),
)


def test_fuzz_material_upload(client):
    application = build_application(with_materials=False)
    client.force_login(applicant_of(application))
    url = reverse("applications:material_upload", args=[application.pk, "influence"])
    snapshot = counter(Material, StoredFile)

    @FUZZ
    @given(content=CONTENT, name=st.one_of(NASTY, st.text(max_size=40)))
    def run(content, name):
        before = snapshot()
        # The client cannot send a name without a basename ("/", ""): the browser never does.
        # The test client cannot build a file named "", "." or "..": Django refuses the name
        # before any request is made, so those stand for "x".
        sendable = name.replace("/", "_").strip()
        upload = SimpleUploadedFile(sendable if sendable not in {"", ".", ".."} else "x", content)
        response = client.post(url, {"file": upload})
        check(response, snapshot, before)
        if response.status_code == 302:  # accepted: remove it again so the item stays open
            material = application.materials.get(is_current=True)
            client.post(reverse("applications:material_remove", args=[application.pk, material.pk]))

    run()
