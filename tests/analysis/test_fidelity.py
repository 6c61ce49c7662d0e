"""Fidelity measures: exact answers on hand-built logs, and the receipt target."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.fidelity import fidelity, ngram_distance
from analysis.schema import LogError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
T0 = pd.Timestamp("2024-03-04 09:00", tz="UTC")  # a Monday


def _log(cases: list[tuple[list[str], list[float]]], day_step: int = 1) -> pd.DataFrame:
    """Case i starts on day i at 09:00; events at the given minutes after that."""
    rows = []
    for i, (acts, minutes) in enumerate(cases):
        for a, m in zip(acts, minutes):
            t = T0 + pd.Timedelta(days=i * day_step, minutes=m)
            rows.append((f"c{i}", a, t))
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


REAL = _log(
    [
        (["a", "b", "c"], [0, 60, 120]),
        (["a", "c"], [0, 180]),
        (["a", "b", "b", "c"], [0, 30, 90, 300]),
    ]
)


def test_identical_logs_have_zero_distance() -> None:
    f = fidelity(REAL, REAL)
    assert (f.cycle_time_hours, f.arrival_hours, f.circadian_hours) == (0.0, 0.0, 0.0)
    assert (f.ngram_2, f.ngram_3) == (0.0, 0.0)
    assert (f.lead_median_error, f.lead_p90_error, f.waiting_p90_error) == (0.0, 0.0, 0.0)
    assert math.isnan(f.visits_error)  # no citizen presence recorded
    assert f.basis == "completion" and f.passed()


def test_shifted_log_gives_the_shift() -> None:
    later = REAL.assign(**{"time:timestamp": REAL["time:timestamp"] + pd.Timedelta(hours=3)})
    f = fidelity(REAL, later)
    assert f.arrival_hours == pytest.approx(3.0)
    assert f.circadian_hours == pytest.approx(3.0)
    assert f.cycle_time_hours == 0.0 and f.ngram_2 == 0.0


def test_stretched_durations() -> None:
    # every case lasts one hour longer: the cycle-time distance is 1 h
    longer = REAL.copy()
    last = longer.groupby("case:concept:name")["time:timestamp"].transform("max")
    is_last = longer["time:timestamp"] == last
    longer.loc[is_last, "time:timestamp"] += pd.Timedelta(hours=1)
    f = fidelity(REAL, longer)
    assert f.cycle_time_hours == pytest.approx(1.0)
    # real durations 2, 3, 5 h: median 3 h -> relative 1/3; simulated median 4 h
    assert f.cycle_time_relative == pytest.approx(1 / 3)
    assert f.lead_median_real == 180.0 and f.lead_median_simulated == 240.0
    assert f.lead_median_error == pytest.approx(1 / 3)
    # numpy's linear 90% quantile of (120, 180, 300) is 276; of (180, 240, 360) 336
    assert f.lead_p90_real == pytest.approx(276.0) and f.lead_p90_simulated == pytest.approx(336.0)
    assert f.lead_p90_error == pytest.approx(60 / 276)


def _brute_ngrams(log: pd.DataFrame, n: int) -> Counter:
    grams: Counter = Counter()
    for _, g in log.sort_values("time:timestamp").groupby("case:concept:name"):
        seq = ["^"] * (n - 1) + g["concept:name"].tolist() + ["$"] * (n - 1)
        grams.update(tuple(seq[i : i + n]) for i in range(len(seq) - n + 1))
    return grams


@pytest.mark.parametrize("n", [2, 3])
def test_ngram_distance_matches_a_direct_count(n: int) -> None:
    other = _log([(["a", "c"], [0, 60]), (["a", "b", "c"], [0, 10, 20]), (["a"], [0])] * 2)
    real, sim = _brute_ngrams(REAL, n), _brute_ngrams(other, n)
    # (start and end markers differ in the brute count; the vectorised one uses one marker,
    # which gives the same n-grams because a marker run is always a case's start or end)
    pr = {k: v / sum(real.values()) for k, v in real.items()}
    ps = {k: v / sum(sim.values()) for k, v in sim.items()}
    expected = 0.5 * sum(abs(pr.get(k, 0) - ps.get(k, 0)) for k in set(pr) | set(ps))
    assert ngram_distance(REAL, other, n=n) == pytest.approx(expected)
    assert 0 < expected < 1


def test_two_gram_distance_by_hand() -> None:
    # real 2-grams: (^,a) (a,b) (b,$); simulated: (^,a) (a,c) (c,$): two of three differ
    real = _log([(["a", "b"], [0, 10])])
    sim = _log([(["a", "c"], [0, 10])])
    assert ngram_distance(real, sim, n=2) == pytest.approx(2 / 3)
    assert ngram_distance(real, sim, n=1) == pytest.approx(1 / 2)


def test_weekday_seen_in_one_log_only_costs_23_hours_by_weight() -> None:
    real = _log([(["a"], [0])] * 2)  # Monday and Tuesday, 09:00
    sim = real.assign(**{"time:timestamp": real["time:timestamp"] + pd.Timedelta(days=1)})
    # Tuesday: 0 h apart; Monday only real (weight 1/2), Wednesday only simulated (1/2)
    f = fidelity(real, sim)
    assert f.circadian_hours == pytest.approx((0 * 1.0 + 23 * 0.5 + 23 * 0.5) / 2.0)


def test_exclude_and_like_for_like_basis() -> None:
    sim = REAL.copy()
    sim["start_timestamp"] = sim["time:timestamp"] - pd.Timedelta(minutes=5)
    extra = sim.iloc[[0]].assign(**{"concept:name": "Case end"})
    f = fidelity(REAL, pd.concat([sim, extra]), exclude=("Case end",))
    assert f.basis == "completion"  # the real log has no starts: the simulated ones are ignored
    assert f.ngram_2 == 0.0 and f.lead_median_error == 0.0
    g = fidelity(sim, sim)
    assert g.basis == "start"


def test_visits_compared_when_both_logs_record_presence() -> None:
    real = REAL.assign(**{"odsc:citizen_present": True, "odsc:door": "odsc"})
    sim = real.copy()
    sim.loc[sim["concept:name"] == "b", "odsc:citizen_present"] = False
    f = fidelity(real, sim)
    # all events on one day at one door: one visit per case in both logs
    assert (f.visits_real, f.visits_simulated, f.visits_error) == (1.0, 1.0, 0.0)


def test_bad_logs_raise_log_errors() -> None:
    with pytest.raises(LogError, match="simulated log: no column 'concept:name'"):
        fidelity(REAL, REAL.drop(columns=["concept:name"]))
    with pytest.raises(LogError, match="no events"):
        fidelity(REAL, REAL, exclude=("a", "b", "c"))


@pytest.mark.skipif(not (DATA / "receipt.csv").exists(), reason="shared data not present")
def test_receipt_calibrated_model_reproduces_the_log() -> None:
    """The target on the real receipt log, with what the model reaches.

    Calibrated with one change of period (2011-04-01: the share of cases done
    within an hour rose from about 20% to about 75%), simulated five times
    replaying the log's own case starts (seeds 1, replications 0..4, pooled).
    """
    from analysis.calibrate import boundary_steps, calibrate
    from analysis.logs import read_log
    from analysis.timezones import local_log
    from simulations.arrivals import case_starts
    from simulations.engine import simulate

    log = read_log(DATA / "receipt.csv", agency="org:group")
    journey = calibrate(log, periods=["2011-04-01"])
    log = local_log(log, log.attrs["odsc:zone"])  # the clock the model runs on
    starts = case_starts(log)
    sims = []
    for r in range(5):
        res = simulate(journey, days=720, seed=1, replication=r, arrivals=starts)
        done = res.log[res.log["case:concept:name"].isin(set(res.finished_cases))]
        sims.append(done.assign(**{"case:concept:name": done["case:concept:name"] + f"/{r}"}))
    f = fidelity(log, pd.concat(sims), exclude=boundary_steps(journey))
    print(f.to_dict())
    assert f.cases_real == 1434 and f.cases_simulated >= 5 * 1430
    assert f.lead_median_real == pytest.approx(47.81, abs=0.01)
    assert f.lead_p90_real == pytest.approx(20297.03, abs=0.01)
    # targets: p90 within 25% and 2-gram distance below 0.2 (met); the median ...
    assert abs(f.lead_p90_error) <= 0.25
    assert f.ngram_2 < 0.2
    # ... is missed with this seed: the median (48 min) sits where the real ECDF is flat
    # (49% of cases done within 36 min, 51% within 60), so a few cases finishing a little
    # faster or slower move it by a quarter, and first-order routing lets simulated cases skip
    # steps, so a few too many finish fast
    assert f.lead_median_error < 0
    # the figures reached (deterministic for this seed)
    assert f.lead_median_error == pytest.approx(-0.264, abs=0.005)
    assert f.lead_p90_error == pytest.approx(0.183, abs=0.005)
    assert f.ngram_2 == pytest.approx(0.007, abs=0.002)
    assert np.isfinite(f.cycle_time_hours) and f.arrival_hours < 1.0
