"""Calibration of an as-is journey from a log: exact answers on hand-built logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.calibrate import (
    BOUNDARY_STAGE,
    CalibrationError,
    boundary_steps,
    calibrate,
    calibration_notes,
    fit_distribution,
    opening_hours,
)
from journeys.io import dumps, loads
from journeys.validate import validate

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
T0 = pd.Timestamp("2024-03-04 09:00", tz="UTC")  # a Monday


def _log(traces: list[list[str]], *, gap: float = 20.0, group: str = "desk") -> pd.DataFrame:
    """One case per trace, an hour apart, events ``gap`` minutes apart."""
    rows = []
    for i, trace in enumerate(traces):
        for k, act in enumerate(trace):
            rows.append(
                {
                    "case:concept:name": f"c{i:03d}",
                    "concept:name": act,
                    "time:timestamp": T0 + pd.Timedelta(minutes=60 * i + gap * k),
                    "org:group": group,
                }
            )
    return pd.DataFrame(rows)


def _probs(journey, source: str) -> dict[str, float]:
    return {t.target: t.probability for t in journey.successors(source)}


def test_branch_probabilities_from_directly_follows_counts() -> None:
    log = _log([["A", "B"]] * 7 + [["A", "C"]] * 3)
    j = calibrate(log)
    assert j.start == "a"
    assert _probs(j, "a") == {"b": 0.7, "c": 0.3}
    assert j.ends == ("b", "c")  # activities that always end a case need no Case end
    assert boundary_steps(j) == ()
    assert validate(j) == []


def test_counts_agree_with_pm4py_dfg() -> None:
    pm4py = pytest.importorskip("pm4py")
    log = _log([["A", "B", "C"]] * 5 + [["A", "B", "B", "C"]] * 2 + [["A", "C"]] * 3)
    dfg, starts, ends = pm4py.discover_dfg(log)
    j = calibrate(log)
    execs = log["concept:name"].value_counts()
    for (a, b), n in dfg.items():
        p = _probs(j, a.lower())[b.lower()]
        assert p == pytest.approx(n / execs[a], abs=1e-6)  # rounded to 6 decimals
    assert set(starts) == {"A"} and j.start == "a"
    assert _probs(j, "b") == {
        "c": pytest.approx(7 / 9, abs=1e-6),
        "b": pytest.approx(2 / 9, abs=1e-6),
    }


def test_cases_ending_early_branch_to_case_end() -> None:
    log = _log([["A", "B"]] * 6 + [["A"]] * 4)
    j = calibrate(log)
    assert _probs(j, "a") == {"b": 0.6, "case_end": 0.4}
    end = j.step("case_end")
    assert end.stage == BOUNDARY_STAGE and end.duration.mean == 0 and end.pool is None
    assert boundary_steps(j) == ("Case end",)
    assert validate(j) == []


def test_different_first_activities_get_a_case_start() -> None:
    log = _log([["A", "C"]] * 3 + [["B", "C"]] * 1)
    j = calibrate(log)
    assert j.start == "case_start"
    assert _probs(j, "case_start") == {"a": 0.75, "b": 0.25}
    assert set(boundary_steps(j)) == {"Case start"}


def test_agency_is_most_frequent_known_group_and_carriers_mark_handoffs() -> None:
    log = _log([["A", "B"]] * 4)
    log["org:group"] = ["unknown", "Tax", "Front", "Tax", "Front", "Tax", "unknown", "Tax"]
    j = calibrate(log, handoff_carrier="courier")
    assert j.step("a").agency == "front" and j.step("b").agency == "tax"
    assert j.agency("front").name == "Front"
    (t,) = j.successors("a")
    assert t.carrier == "courier"


def test_without_start_times_duration_is_a_low_quantile_and_delay_the_rest() -> None:
    # ten cases A -> B whose transition times are 10, 20, ..., 100 minutes
    rows = []
    for i in range(10):
        for act, minutes in (("A", 0), ("B", 10 * (i + 1))):
            rows.append((f"c{i}", act, T0 + pd.Timedelta(minutes=120 * i + minutes)))
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    j = calibrate(log, processing_quantile=0.1, min_samples=20)
    # numpy's linear 10% quantile of 10..100 is 19
    assert j.step("b").duration.to_dict() == {"dist": "fixed", "value": 19.0}
    assert j.step("a").duration.mean == 0.0  # nothing leads to A
    (t,) = j.successors("a")
    assert t.delay.dist == "empirical"
    assert list(t.delay.params["samples"]) == [0.0, 1.0, 11.0, 21, 31, 41, 51, 61, 71, 81]
    assert any(n.startswith("The log has no start times") for n in calibration_notes(j))
    capped = calibrate(log, max_processing=5.0)
    assert capped.step("b").duration.mean == 5.0


def test_with_start_times_processing_is_fitted() -> None:
    rng = np.random.default_rng(7)
    work = rng.lognormal(np.log(20.0), 1.0, 600)
    rows = []
    for i, w in enumerate(work):
        begin = T0 + pd.Timedelta(days=i // 5, minutes=90 * (i % 5))
        rows.append((f"c{i}", "Serve", begin, begin + pd.Timedelta(minutes=float(w))))
    cols = ["case:concept:name", "concept:name", "start_timestamp", "time:timestamp"]
    j = calibrate(pd.DataFrame(rows, columns=cols))
    d = j.step("serve").duration
    assert d.dist == "lognormal"
    # MLE of a lognormal: exp(mu + s^2/2) with mu, s the mean and sd (ddof 0) of log(work)
    expected = np.exp(np.log(work).mean() + np.log(work).var() / 2)
    assert d.params["mean"] == pytest.approx(expected, rel=1e-3)


def test_fit_distribution_choices() -> None:
    rng = np.random.default_rng(11)
    x = rng.exponential(12.0, 500)
    expo = fit_distribution(x)
    assert expo.family == "exponential"
    assert expo.distribution.mean == pytest.approx(x.mean(), rel=1e-6)  # the MLE is the mean
    g = fit_distribution(rng.gamma(9.0, 2.0, 2000))
    assert g.family == "gamma" and g.aic["gamma"] < g.aic["lognormal"] < g.aic["exponential"]
    bimodal = np.r_[rng.normal(5, 0.5, 300).clip(0.1), rng.normal(5000, 50, 300)]
    b = fit_distribution(bimodal)
    assert b.family == "empirical" and max(b.ks_pvalue.values()) < 0.01
    assert len(b.distribution.params["samples"]) == 100
    assert fit_distribution([3, 1, 2]).reason == "fewer than 20 observations"
    assert fit_distribution(np.r_[0.0, rng.exponential(5, 50)]).family == "empirical"
    assert fit_distribution([2.5] * 40).distribution.to_dict() == {"dist": "fixed", "value": 2.5}
    with pytest.raises(ValueError):
        fit_distribution([-1.0, 2.0])


def test_opening_hours_shortest_window_and_days() -> None:
    hours = [8] * 10 + [9] * 30 + [10] * 30 + [11] * 25 + [18] * 5
    t = pd.Series([T0.normalize() + pd.Timedelta(hours=h, minutes=5) for h in hours])
    c = opening_hours(pd.DataFrame({"time:timestamp": t}), coverage=0.95)
    assert c.hours == (("08:00", "12:00"),) and c.days == ("mon",)
    # night work wraps around midnight: 22:00-02:00
    night = pd.Series([T0.normalize() + pd.Timedelta(hours=h) for h in (22, 23, 0, 1, 1)])
    c = opening_hours(pd.DataFrame({"time:timestamp": night}), coverage=1.0)
    assert c.hours == (("00:00", "02:00"), ("22:00", "24:00"))
    assert c.days == ("mon",)


def test_desks_are_the_quantile_of_daily_distinct_resources() -> None:
    # ten days; on day d the desk's events are done by (d % 3) + 1 distinct clerks
    rows = []
    for d in range(10):
        for k in range(3):
            clerk = f"clerk{k % ((d % 3) + 1)}"
            when = T0 + pd.Timedelta(days=d, minutes=10 * k)
            rows.append((f"c{d}-{k}", "Serve", when, clerk, "Front"))
    cols = ["case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:group"]
    j = calibrate(pd.DataFrame(rows, columns=cols), capacity_quantile=0.9)
    # daily counts 1,2,3,1,2,3,1,2,3,1: the 90% quantile is 3
    assert j.pool("front_desks").capacity == 3
    assert calibrate(pd.DataFrame(rows, columns=cols), capacity_quantile=0.5).pools[0].capacity == 2


def test_arrival_profile_from_case_starts() -> None:
    # two Mondays and one Tuesday in a span of 8 days (Mon .. next Mon): 2 + 1 cases
    starts = [T0, T0 + pd.Timedelta(days=1, hours=1), T0 + pd.Timedelta(days=7)]
    rows = [(f"c{i}", "A", t) for i, t in enumerate(starts)]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    j = calibrate(log, min_day_share=0.0, coverage=1.0)
    # open days: every weekday seen (mon, tue); 3 cases over 2 Mondays + 1 Tuesday = 1 a day
    assert j.calendars[0].days == ("mon", "tue")
    assert j.arrivals.per_day == 1.0
    assert j.arrivals.weekday == {"mon": 1.0, "tue": 1.0}
    assert j.arrivals.hourly == {9: round(2 / 3, 4), 10: round(1 / 3, 4)}


def test_input_is_not_modified_and_yaml_round_trips() -> None:
    log = _log([["A", "B", "A", "C"]] * 3 + [["A", "C"]] * 5)
    before = log.copy()
    j = calibrate(log, name="Toy permit", journey_id="toy")
    pd.testing.assert_frame_equal(log, before)
    assert loads(dumps(j)) == j
    assert j.id == "toy" and j.name == "Toy permit"


def test_bad_input_raises_one_line_errors() -> None:
    log = _log([["A", "B"]])
    with pytest.raises(CalibrationError, match="no column 'step'") as e:
        calibrate(log, activity="step")
    assert "\n" not in str(e.value)
    with pytest.raises(CalibrationError, match="no events"):
        calibrate(log.iloc[:0])
    with pytest.raises(CalibrationError, match="option coverage"):
        calibrate(log, coverage=1.5)
    with pytest.raises(CalibrationError, match="option handoff_carrier"):
        calibrate(log, handoff_carrier="pigeon")


def test_periods_get_their_own_steps() -> None:
    early = _log([["A", "B"]] * 4)
    late = _log([["A", "C"]] * 6).assign(
        **{"case:concept:name": lambda d: "late-" + d["case:concept:name"]}
    )
    late["time:timestamp"] += pd.Timedelta(days=30)
    j = calibrate(pd.concat([early, late], ignore_index=True), periods=["2024-03-20"])
    assert j.start == "case_start"
    assert _probs(j, "case_start") == {"a_p1": 0.4, "a_p2": 0.6}
    assert _probs(j, "a_p1") == {"b_p1": 1.0} and _probs(j, "a_p2") == {"c_p2": 1.0}
    assert j.step("a_p2").name == "A"
    assert validate(j) == []


@pytest.mark.skipif(not (DATA / "receipt.csv").exists(), reason="shared data not present")
def test_receipt_model_validates_and_loads() -> None:
    from analysis.logs import read_log

    log = read_log(DATA / "receipt.csv", agency="org:group")
    j = calibrate(log, name="Receipt")
    assert validate(j) == []
    assert loads(dumps(j)) == j
    assert j.start == "confirmation_of_receipt"  # every case begins with it
    assert len(j.steps) == 27 + 1  # 27 activities and Case end
    # read in the log's own clock (+01:00 in winter, +02:00 in summer), not in UTC
    # (06:00-16:00):
    # 97.3% of its completion times fall in 08:00-17:00 CET/CEST, 92.0% in 08:00-16:00
    assert j.calendars[0].hours == (("08:00", "17:00"),)
    assert j.calendars[0].days == ("mon", "tue", "wed", "thu", "fri")
    # 116 of 1,434 cases end right after the confirmation
    assert _probs(j, "confirmation_of_receipt")["case_end"] == pytest.approx(116 / 1434, abs=1e-6)
