"""Arrival profiles and replayed arrivals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journeys import load_catalog
from journeys.errors import JourneyError
from journeys.model import Arrivals, Calendar
from simulations import simulate
from simulations.arrivals import arrival_times, case_starts, day_segments, replay_times
from simulations.calendar import always_open

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OFFICE = Calendar("office", (("08:00", "12:00"), ("13:00", "16:00")))


def test_segments_share_an_hours_weight_among_its_open_minutes():
    starts, lengths, weights = day_segments(OFFICE, {8: 3, 9: 4, 12: 5, 13: 2})
    assert starts[:5].tolist() == [480, 540, 600, 660, 780]
    assert lengths.tolist() == [60] * 7
    # the weight of 12:00 falls at lunch and is lost; hours without weight get none
    assert weights.tolist() == [3, 4, 0, 0, 2, 0, 0]


def test_hourly_profile_is_followed():
    hourly = {8: 3, 9: 4, 10: 3, 11: 1, 13: 2, 14: 2, 15: 1}
    t = arrival_times(
        Arrivals(per_day=200, hourly=hourly), OFFICE, start_date="2026-01-05",
        days=range(0, 40), seed=3,
    )  # fmt: skip
    hours = (t % 1440 // 60).astype(int)
    counts = np.array([(hours == h).sum() for h in hourly])
    expected = np.array(list(hourly.values())) / sum(hourly.values()) * len(t)
    assert stats.chisquare(counts, expected).pvalue > 0.01
    assert set(np.unique(hours)) == set(hourly)


def test_weekday_weights_scale_the_daily_mean():
    arr = Arrivals(per_day=100, weekday={"mon": 2.0, "fri": 0.5})
    weekdays = [d for d in range(7 * 30) if d % 7 < 5]  # day 0 is a Monday
    t = arrival_times(arr, OFFICE, start_date="2026-01-05", days=weekdays, seed=1)
    weekday = pd.to_datetime("2026-01-05") + pd.to_timedelta(t // 1440, unit="D")
    per_day = pd.Series(weekday.weekday).value_counts().sort_index() / 30
    assert per_day.loc[0] == pytest.approx(200, rel=0.05)
    assert per_day.loc[1] == pytest.approx(100, rel=0.05)
    assert per_day.loc[4] == pytest.approx(50, rel=0.1)
    assert 5 not in per_day.index  # days not asked for get nobody


def test_poisson_counts_around_the_clock():
    t = arrival_times(Arrivals(per_day=30), always_open(), start_date="2026-01-05",
                      days=range(2000), seed=2)  # fmt: skip
    counts = np.bincount((t // 1440).astype(int), minlength=2000)
    assert counts.mean() == pytest.approx(30, rel=0.02)
    assert counts.var(ddof=1) == pytest.approx(30, rel=0.1)  # Poisson: variance = mean


def test_no_weight_in_opening_hours_is_a_journey_error():
    with pytest.raises(JourneyError, match="arrivals.hourly: no weight falls in the opening"):
        arrival_times(Arrivals(hourly={20: 1}), OFFICE, start_date="2026-01-05", days=[0], seed=1)


def test_replay_times_are_minutes_from_the_first_day():
    vientiane = pd.Timestamp("2026-01-06 10:00", tz="Asia/Vientiane")  # 03:00 UTC
    m, day0 = replay_times([vientiane, pd.Timestamp("2026-01-06 01:30")])  # naive: UTC
    assert str(day0) == "2026-01-06 00:00:00+00:00"
    assert m.tolist() == [90.0, 180.0]


def test_replay_of_a_real_logs_case_starts():
    path = DATA / "running-example.csv"
    if not path.exists():
        pytest.skip("shared data not available")
    log = pd.read_csv(path)
    starts = case_starts(log)
    assert len(starts) == 6
    j = load_catalog("business-licence")
    res = simulate(j, days=40, seed=1, arrivals=starts)
    # the first start is 2010-12-30 14:32+01:00, i.e. 13:32 UTC
    assert res.start == pd.Timestamp("2010-12-30", tz="UTC")
    within = starts[starts < res.end]
    assert res.arrived == len(within)
    assert res.cases["arrival"].tolist() == sorted(pd.to_datetime(within, utc=True).tolist())
