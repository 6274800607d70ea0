"""The roster (issue 25 item 3): bounded and checked row by row, identity numbers encrypted
at rest and masked on every page, the full download audited for staff."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import override_settings
from openpyxl import load_workbook

from evalorg.core.models import AuditEvent
from evalorg.supervision import roster
from evalorg.supervision.roster import RosterRefused, mask, read_roster, sample_xlsx

from .conftest import IDS

pytestmark = pytest.mark.django_db


def read(rows) -> list[roster.Row]:
    content = sample_xlsx(rows)
    return read_roster(io.BytesIO(content), len(content))


def test_identity_numbers_are_encrypted_at_rest(reported):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_encrypted, id_masked FROM supervision_rosterentry")
        stored = cursor.fetchall()
    assert len(stored) == 3
    for encrypted, masked in stored:
        assert not any(number in encrypted for number in IDS)
        assert not any(number in masked for number in IDS)
    assert sorted(roster.decrypt(e) for e, _ in stored) == sorted(IDS)


def test_a_dedicated_key_is_used_when_set(reported):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    with override_settings(EVALORG_ROSTER_KEY=key):
        assert roster.decrypt(roster.encrypt(IDS[0])) == IDS[0]
        assert Fernet(key).decrypt(roster.encrypt(IDS[0]).encode()).decode() == IDS[0]


def test_masking_keeps_four_and_four():
    assert mask("440106199001011235") == "4401**********1235"


def test_every_refused_row_is_named():
    with pytest.raises(RosterRefused) as refused:
        read(
            [
                ("张三", IDS[0], "合格", "Z1"),
                ("李四", "440106199001011236", "合格", "Z2"),  # wrong check digit
                ("王五", IDS[1], "良好", ""),
                ("", IDS[2], "不合格", ""),
            ]
        )
    messages = refused.value.messages
    assert any("第 3 行" in m and "GB 11643" in m for m in messages)
    assert any("第 4 行" in m and "合格" in m for m in messages)
    assert any("第 5 行" in m and "姓名" in m for m in messages)
    assert not any("第 2 行" in m for m in messages)


def test_rows_and_size_are_bounded(monkeypatch):
    good = [("张三", IDS[0], "合格", "Z1")]
    assert len(read(good)) == 1
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    assert len(read(good * 2)) == 2
    with pytest.raises(RosterRefused, match="不能超过 2 行"):
        read(good * 3)
    with pytest.raises(RosterRefused, match="5 MB"):
        read_roster(io.BytesIO(b""), roster.MAX_BYTES + 1)
    with pytest.raises(RosterRefused, match="xlsx"):
        read_roster(io.BytesIO(b"%PDF-1.4"), 8)


def test_pages_show_masked_numbers_and_the_download_is_audited(client, reported, city, owner):
    client.force_login(city)
    page = client.get(f"/supervision/plans/{reported.pk}/").content.decode()
    assert "4401**********1235" in page and not any(number in page for number in IDS)
    client.force_login(owner)
    page = client.get(f"/supervision/plans/{reported.pk}/").content.decode()
    assert not any(number in page for number in IDS)
    assert reported.supervisor.full_name not in page  # the organization never learns who
    client.force_login(city)
    response = client.get(f"/supervision/plans/{reported.pk}/roster.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(IDS)
    read_event = AuditEvent.objects.get(action="assessment_roster_read")
    assert read_event.audience == "staff" and read_event.actor_id == city.pk
