"""Aggregation and ranking on known numbers (issue #4)."""

from datetime import UTC, datetime
from decimal import Decimal as D

from evalorg.review.scoring import RankEntry, aggregate, rank, template_items
from evalorg.rounds.defaults import DEFAULT_SCORESHEET

ITEMS = template_items(DEFAULT_SCORESHEET)


def sheet(total_per_item: int) -> dict:
    return {i.code: total_per_item for i in ITEMS}


def test_default_template_is_100_points_in_three_dimensions():
    assert sum(i.max_points for i in ITEMS) == 100
    by_dim = {}
    for item in ITEMS:
        by_dim[item.dimension] = by_dim.get(item.dimension, 0) + item.max_points
    assert by_dim == {
        "industry_representativeness": 30,
        "sector_authority": 30,
        "evaluation_professionalism": 40,
    }


def test_mean_with_three_experts():
    result = aggregate([sheet(8), sheet(7), sheet(6)], ITEMS, "trimmed_mean", D(20))
    assert result.method == "mean"  # fewer than 5: no trimming
    assert result.total == D("70.00")
    assert result.dimensions["evaluation_professionalism"] == D("28.00")


def test_trimmed_mean_with_five_experts_drops_highest_and_lowest():
    totals = [sheet(9), sheet(8), sheet(7), sheet(6), sheet(1)]  # 90 80 70 60 10
    result = aggregate(totals, ITEMS, "trimmed_mean", D(100))
    assert result.method == "trimmed_mean"
    assert result.total == D("70.00")  # mean of 80, 70, 60
    assert result.items["cluster_fit"] == D("7.00")


def test_trimmed_mean_with_six_experts():
    sheets = [sheet(v) for v in (10, 9, 8, 8, 7, 2)]  # 100 90 80 80 70 20
    result = aggregate(sheets, ITEMS, "trimmed_mean", D(100))
    assert result.total == D("80.00")  # (90+80+80+70)/4


def test_plain_mean_setting_never_trims():
    sheets = [sheet(v) for v in (10, 9, 8, 8, 7, 2)]
    assert aggregate(sheets, ITEMS, "mean", D(100)).total == D("73.33")


def test_dispersion_flag_when_spread_exceeds_threshold():
    assert aggregate([sheet(9), sheet(6)], ITEMS, "mean", D(20)).dispersed  # 90 - 60 = 30
    assert not aggregate([sheet(9), sheet(8)], ITEMS, "mean", D(20)).dispersed


def test_ranking_ties_broken_by_professionalism_then_submission_time():
    t1, t2 = datetime(2023, 5, 10, tzinfo=UTC), datetime(2023, 5, 11, tzinfo=UTC)
    entries = [
        RankEntry(key=1, total=D(80), professionalism=D(30), submitted_at=t2),
        RankEntry(key=2, total=D(80), professionalism=D(32), submitted_at=t2),
        RankEntry(key=3, total=D(80), professionalism=D(30), submitted_at=t1),
        RankEntry(key=4, total=D(85), professionalism=D(20), submitted_at=t2),
    ]
    assert [e.key for _, e in rank(entries)] == [4, 2, 3, 1]
    assert [r for r, _ in rank(entries)] == [1, 2, 3, 4]
