"""Experiments: paired-difference maths, common random numbers, censoring, options."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journeys import load_catalog
from journeys.errors import InputError
from simulations.engine import simulate
from simulations.experiments import (
    Experiment,
    Scenario,
    compare,
    mean_ci,
    paired_comparison,
    run,
)
from simulations.measures import queue_by_hour

# t quantile of 0.975 with 3 degrees of freedom (statistical tables; scipy agrees below)
T975_3 = 3.182446305284263


def _experiment(runs: pd.DataFrame, scenarios: tuple[str, ...]) -> Experiment:
    reps = int(runs["replication"].nunique())
    return Experiment(runs, pd.DataFrame(), pd.DataFrame(), scenarios, reps, 10, 0, 1)


def test_t_quantile_is_the_table_value():
    assert stats.t.ppf(0.975, 3) == pytest.approx(T975_3, rel=1e-12)


def test_paired_difference_and_its_ci_by_hand():
    # replications listed out of order: pairs must be matched by replication number
    runs = pd.DataFrame(
        {
            "scenario": ["before"] * 4 + ["after"] * 4,
            "replication": [0, 1, 2, 3, 3, 2, 1, 0],
            "lead_mean": [10.0, 12.0, 14.0, 16.0, 13.0, 10.0, 10.0, 7.0],
            "util:front": [0.5, 0.6, 0.7, 0.8, np.nan, np.nan, np.nan, np.nan],
        }
    )
    row = paired_comparison(_experiment(runs, ("before", "after"))).table.set_index("kpi")
    r = row.loc["lead_mean"]
    # differences after - before by replication: -3, -2, -4, -3
    # mean -3; sd sqrt(((0)^2 + 1^2 + (-1)^2 + 0^2) / 3) = sqrt(2/3); se = sd / 2
    half = T975_3 * math.sqrt(2 / 3) / 2
    assert r["diff"] == pytest.approx(-3.0)
    assert r["diff_low"] == pytest.approx(-3.0 - half)  # -4.299228...
    assert r["diff_high"] == pytest.approx(-3.0 + half)  # -1.700772...
    assert r["diff_low"] == pytest.approx(-4.299228, abs=1e-6)
    # baseline 10, 12, 14, 16: mean 13, sd sqrt(20/3), se sd/2
    b_half = T975_3 * math.sqrt(20 / 3) / 2
    assert (r["baseline"], r["baseline_low"], r["baseline_high"]) == pytest.approx(
        (13.0, 13.0 - b_half, 13.0 + b_half)
    )
    assert r["value"] == pytest.approx(10.0)
    assert r["change"] == pytest.approx(-3.0 / 13.0)
    assert r["pairs"] == 4
    # a pool the alternative does not have: no value, no difference
    u = row.loc["util:front"]
    assert u["baseline"] == pytest.approx(0.65)
    assert math.isnan(u["value"]) and math.isnan(u["diff"]) and u["pairs"] == 0


def test_paired_ci_matches_scipy_one_sample_t_interval():
    rng = np.random.default_rng(5)
    base = rng.normal(20, 3, 12)
    alt = base - 2 + rng.normal(0, 0.5, 12)
    runs = pd.DataFrame(
        {
            "scenario": ["a"] * 12 + ["b"] * 12,
            "replication": list(range(12)) * 2,
            "visits": np.r_[base, alt],
        }
    )
    r = paired_comparison(_experiment(runs, ("a", "b")), level=0.9).table.iloc[0]
    ci = stats.ttest_1samp(alt - base, 0.0).confidence_interval(0.9)
    assert (r["diff_low"], r["diff_high"]) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_mean_ci_edge_cases():
    assert mean_ci([4.0])[0] == 4.0 and math.isnan(mean_ci([4.0])[1])
    assert all(math.isnan(v) for v in mean_ci([np.nan, np.nan]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_queue_by_hour_integrates_across_hours_and_nights():
    t = pd.to_datetime(
        ["2026-01-05 08:00", "2026-01-05 08:30", "2026-01-05 09:15", "2026-01-05 23:00"],
        utc=True,
    )
    q = pd.DataFrame({"time": t, "pool": ["a"] * 4, "length": [2, 4, 0, 1]})
    out = queue_by_hour(q, pd.Timestamp("2026-01-06 09:00", tz="UTC")).set_index("hour")
    # hour 8 of day 1: 30 min x 2 + 30 min x 4 -> 3; 09:00-10:00: 15 min x 4 -> 1
    # hour 8 of day 2: 1 all the hour; both days count: (3 + 1) / 2
    assert out.loc[8, "queue"] == pytest.approx(2.0)
    assert out.loc[9, "queue"] == pytest.approx(1.0)
    assert out.loc[12, "queue"] == 0.0
    assert out.loc[23, "queue"] == 1.0 and out.loc[3, "queue"] == 1.0
    assert sorted(out.index) == list(range(24))


def test_common_random_numbers_narrow_the_paired_interval():
    # one front clerk against two: the same citizens, the same work times
    one = load_catalog("business-licence-one-door")
    pools = tuple(replace(p, capacity=2) if p.id == "odsc_desk" else p for p in one.pools)
    two = replace(one, pools=pools)
    c = compare(
        Scenario("one clerk", one),
        Scenario("two clerks", two),
        replications=5,
        days=10,
        warmup_days=2,
        tail_days=15,
        seed=4,
        jobs=1,
    )
    runs = c.experiment.runs
    table = c.table.set_index("kpi")
    for kpi in ("lead_mean", "waiting_mean"):
        a = runs.loc[runs["scenario"] == "one clerk", kpi].to_numpy()
        b = runs.loc[runs["scenario"] == "two clerks", kpi].to_numpy()
        welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
        paired = table.loc[kpi, "diff_high"] - table.loc[kpi, "diff_low"]
        assert paired < 0.8 * (welch.high - welch.low), kpi
    # and the second clerk shortens the queue at the front desk, significantly
    assert table.loc["within_sla", "diff_low"] > 0
    assert (runs["cases"].to_numpy()[:5] == runs["cases"].to_numpy()[5:]).all()


def test_measured_cases_and_the_tail_against_censoring():
    j = load_catalog("business-licence")
    eng = simulate(j, days=30, warmup_days=2, seed=9)
    measured = eng.arrived - eng.warmup_arrived
    short = run([j], replications=1, days=30, warmup_days=2, tail_days=0, seed=9, jobs=1)
    long = run([j], replications=1, days=30, warmup_days=2, tail_days=45, seed=9, jobs=1)
    s, lg = short.runs.iloc[0], long.runs.iloc[0]
    # the same citizens are measured, whatever the tail
    assert s["cases"] == lg["cases"] == measured
    # as-is cases take 15-30 days: without a tail most are cut off, and the few that
    # finish are the fast ones (lead time biased down); the tail lets all finish
    assert s["unfinished"] > 0.5 * measured
    assert lg["unfinished"] == 0
    assert lg["lead_mean"] > s["lead_mean"] + 2  # 27.6 against 25.1 days
    assert lg["lead_p90"] > s["lead_p90"] + 3  # 33.9 against 30.0 days
    assert len(long.cases) == measured


def test_one_door_figures_are_those_of_the_design():
    ex = run(
        [load_catalog("business-licence-one-door")],
        replications=1,
        days=6,
        warmup_days=1,
        tail_days=20,
        seed=2,
        jobs=1,
    )
    r = ex.runs.iloc[0]
    assert r["visits"] == 2.0 and r["doors"] == 1.0  # submit and collect, one front desk
    assert 0 <= r["within_sla"] <= 1
    assert set(ex.queues.columns) == {"scenario", "replication", "pool", "citizen", "hour", "queue"}
    assert ex.queues.loc[ex.queues["pool"] == "odsc_desk", "citizen"].all()
    assert not ex.queues.loc[ex.queues["pool"] == "tax_desk", "citizen"].any()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"replications": 0}, "replications must be a whole number >= 1, got 0"),
        ({"replications": -1}, "replications must be a whole number >= 1, got -1"),
        ({"days": 0}, "days must be a whole number >= 1, got 0"),
        ({"days": 5, "warmup_days": 5}, "warmup_days (5) must be less than days (5)"),
        ({"tail_days": -2}, "tail_days must be a whole number >= 0, got -2"),
        ({"sla_minutes": -1.0}, "sla_minutes must be a number >= 0"),
    ],
)
def test_bad_options_raise_one_line(options, message):
    with pytest.raises(InputError) as e:
        run([load_catalog("family-book")], **{"jobs": 1, **options})
    assert message in str(e.value) and "\n" not in str(e.value)


def test_scenario_names_must_differ_and_compare_needs_two():
    j = load_catalog("family-book")
    with pytest.raises(InputError, match="names must differ"):
        run([j, j], replications=1, days=2, warmup_days=0, jobs=1)
    with pytest.raises(InputError, match="at least one alternative"):
        compare(j, replications=1, days=2, warmup_days=0, jobs=1)
