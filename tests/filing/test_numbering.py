"""Letter numbers: round prefix + 备 + year + sequence, never reused, distinct when issued at
the same moment (a counter row locked with select_for_update; checked on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from evalorg.filing.models import LetterSequence
from evalorg.filing.numbering import format_number, next_number
from evalorg.rounds.models import Round
from tests.filing.conftest import registry_row

THREADS = 4


@pytest.mark.django_db
def test_numbers_follow_the_round_prefix_and_count_per_year():
    round_ = Round.objects.get(code="gd-2023")
    with transaction.atomic():
        assert next_number(round_, 2023) == "粤职评备〔2023〕001号"
        assert next_number(round_, 2023) == "粤职评备〔2023〕002号"
        assert next_number(round_, 2024) == "粤职评备〔2024〕001号"
    round_.numbering_prefix = "粤人社评"
    assert format_number(round_, 2025, 12) == "粤人社评备〔2025〕012号"


@pytest.mark.django_db
def test_two_rounds_of_one_year_with_one_prefix_never_share_a_number():
    first = Round.objects.get(code="gd-2023")
    second = first.copy(code="gd-2023-bis", name="2023年补充批次", year=2023, shift_days=30)
    registry_row(number=1)  # 粤职评备〔2023〕001号, issued in the first round
    with transaction.atomic():
        assert next_number(second, 2023) == "粤职评备〔2023〕002号"
        assert next_number(second, 2023) == "粤职评备〔2023〕003号"


@pytest.mark.django_db
def test_a_rolled_back_number_is_not_handed_out_twice_after_a_commit():
    round_ = Round.objects.get(code="gd-2023")
    with transaction.atomic():
        first = next_number(round_, 2023)
    try:
        with transaction.atomic():
            next_number(round_, 2023)
            raise RuntimeError
    except RuntimeError:
        pass
    with transaction.atomic():
        again = next_number(round_, 2023)
    assert (first, again) == ("粤职评备〔2023〕001号", "粤职评备〔2023〕002号")


@pytest.mark.django_db(transaction=True)
def test_letters_issued_at_the_same_moment_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes every writer anyway")
    round_ = Round.objects.get(code="gd-2023")
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(next_number(round_, 2023))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(numbers) == [format_number(round_, 2023, n) for n in range(1, THREADS + 1)]
    assert LetterSequence.objects.get(round=round_, year=2023).last == THREADS
