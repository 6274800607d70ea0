"""Rounds are data: the 2023 reference round and copying one to create the next (SPEC §2)."""

from datetime import date, datetime

import pytest
import time_machine

from evalorg.core.clock import SHANGHAI
from evalorg.rounds.models import Round

pytestmark = pytest.mark.django_db


def test_reference_round_has_the_notice_dates_and_checklist():
    round_ = Round.objects.get(code="gd-2023")
    assert round_.application_deadline == date(2023, 5, 19)  # N-4.1.1
    assert round_.city_assessment_deadline == date(2023, 5, 25)  # N-4.1.2
    assert (round_.publicity_working_days, round_.cultivation_days) == (5, 180)
    assert round_.checklist.count() == 12
    assert set(round_.scoresheet_template) == {"city", "province"}


def test_copy_shifts_dates_and_keeps_checklist_and_rules():
    reference = Round.objects.get(code="gd-2023")
    reference.recommendation_quota = 7
    reference.save()
    new = reference.copy(code="gd-2024", name="2024年遴选", year=2024, shift_days=366)
    assert new.pk != reference.pk and new.copied_from == reference
    assert new.application_deadline == date(2024, 5, 19)
    assert new.recommendation_quota == 7 and not new.is_reference
    assert list(new.checklist.values_list("code", flat=True)) == list(
        reference.checklist.values_list("code", flat=True)
    )
    assert reference.checklist.count() == 12  # the original keeps its own items


def test_accepting_applications_until_the_inclusive_deadline():
    round_ = Round.objects.get(code="gd-2023")
    with time_machine.travel(datetime(2023, 5, 19, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        assert round_.is_accepting_applications()
    with time_machine.travel(datetime(2023, 5, 20, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        assert not round_.is_accepting_applications()
    with time_machine.travel(datetime(2023, 4, 27, 12, 0, tzinfo=SHANGHAI), tick=False):
        assert not round_.is_accepting_applications()  # not yet published


def test_the_portal_shows_the_agencies_contacts_that_are_known(client):
    from django.urls import reverse

    from evalorg.accounts.models import Agency

    def table() -> str:
        page = client.get(reverse("home")).content.decode()
        start = page.index('data-testid="portal-agencies"')
        return page[start : page.index("</table>", start)]

    Agency.objects.update(phone="", email="")
    assert "咨询电话" not in table() and "电子邮箱" not in table()
    guangzhou = Agency.objects.get(kind=Agency.Kind.CITY, division_id="440100")
    guangzhou.phone = "020-83333333"
    guangzhou.save(update_fields=["phone"])
    shown = table()
    assert "咨询电话" in shown and "020-83333333" in shown and "电子邮箱" not in shown


def test_the_commitment_letter_reads_as_the_department_writes_it():
    from evalorg.rounds.models import DEFAULT_COMMITMENT_TEMPLATE

    text = DEFAULT_COMMITMENT_TEMPLATE.replace("{institution}", "某机构").replace(
        "{round}", "广东省2023年社会培训评价组织培育辅导遴选"
    )
    assert text.startswith(
        "本机构（某机构）经广东省2023年社会培训评价组织培育辅导遴选，"
        "已列入社会培训评价组织培育辅导对象名单。"
    )
