"""Before/after a reform date: exact values, bootstrap intervals against scipy, real logs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.before_after import KPIS, before_after, split_at
from analysis.logs import read_log
from analysis.schema import LogError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CASE = "case:concept:name"


def _log(leads_before: list[float], leads_after: list[float]) -> pd.DataFrame:
    """Two-event cases (front -> tax) whose lead times are the given hours."""
    rows = []
    for side, leads, day in (("b", leads_before, "2024-01-02"), ("a", leads_after, "2024-03-04")):
        for i, hours in enumerate(leads):
            t0 = pd.Timestamp(f"{day} 08:00", tz="UTC") + pd.Timedelta(minutes=i)
            rows.append((f"{side}{i}", "apply", t0, "front"))
            rows.append((f"{side}{i}", "issue", t0 + pd.Timedelta(hours=hours), "tax"))
    return pd.DataFrame(rows, columns=[CASE, "concept:name", "time:timestamp", "org:group"])


def test_exact_values_on_a_tiny_log() -> None:
    log = _log([10, 20, 30, 40, 100], [1, 2, 3, 4])
    ba = before_after(log, "2024-02-01", seed=3, n_resamples=500)
    assert (ba.cases_before, ba.cases_after, ba.events_before, ba.events_after) == (5, 4, 10, 8)
    median = ba.row("lead_median")
    assert median.before == 30 * 60 and median.after == 2.5 * 60
    assert median.change == (2.5 - 30) * 60
    assert ba.row("lead_mean").before == 40 * 60
    assert ba.row("lead_p90").before == pytest.approx(np.quantile([10, 20, 30, 40, 100], 0.9) * 60)
    assert ba.row("events_mean").before == 2.0 and ba.row("handoffs_mean").after == 1.0
    assert ba.row("pingpong_share").before == 0.0
    # the intervals hold the estimate and stay within the data's range
    lo, hi = median.before_ci
    assert 10 * 60 <= lo <= median.before <= hi <= 100 * 60
    assert median.change_ci[1] < 0 and median.clear


def test_unknowns_are_not_recorded_with_reasons() -> None:
    ba = before_after(_log([1, 2], [3, 4]), "2024-02-01", n_resamples=200)
    reasons = {r.key: r.reason for r in ba.rows if r.before is None}
    assert reasons == {
        "waiting_median": "the log has no start times: waiting cannot be told apart from the "
        "work (it would add up to the lead time)",
        "processing_mean": "the log has no start times",
        "visits_mean": "the log does not say when the citizen had to be present",
        "queue_within_sla": "not checked: without start times no wait can be told apart from "
        "the work.",
        "citizen_cost_mean": "needs a journey (--journey) with fees and travel costs",
    }
    d = ba.to_dict()
    visits = next(k for k in d["kpis"] if k["kpi"] == "visits_mean")
    assert visits["before"] is None and visits["change_ci"] is None
    assert [k["kpi"] for k in d["kpis"]] == list(KPIS)


def test_no_agency_means_handoffs_not_recorded() -> None:
    log = _log([1, 2], [3, 4]).assign(**{"org:group": "unknown"})
    ba = before_after(log, "2024-02-01", n_resamples=200)
    assert ba.row("handoffs_mean").before is None
    assert ba.row("handoffs_mean").reason == "the log names no agency"


def test_one_case_side_has_a_value_but_no_interval() -> None:
    ba = before_after(_log([5], [1, 2, 3]), "2024-02-01", n_resamples=200)
    r = ba.row("lead_median")
    assert r.before == 300 and r.before_ci is None and r.change_ci is None
    assert r.after_ci is not None
    assert r.reason == "fewer than two cases before: no interval"
    assert ba.notes[-1] == (
        "Only 1 cases before and 3 cases after the date: bootstrap intervals from fewer than "
        "30 cases are rough (they tend to be too narrow); read them as indications."
    )


def test_recent_cases_cut_short_by_the_end_of_the_log_are_flagged() -> None:
    # before: leads of 10 days (p90 10 days); after: the last case starts 1 hour before the
    # log's last completion, i.e. within 10 days of the end: it may still have been open
    log = _log([240] * 30, [1] * 40)
    ba = before_after(log, "2024-02-01", n_resamples=200)
    assert ba.notes[0].startswith("40 of the 40 cases after the date (100%) started less than")
    long_ago = _log([1] * 30, [1] * 40)
    assert not before_after(long_ago, "2024-02-01", n_resamples=200).notes


def test_queue_standard_share_before_and_after() -> None:
    # citizen at the desk: the second step of each case waits 5 or 30 minutes in the queue
    rows = []
    waits = {"b0": 5, "b1": 30, "b2": 30, "a0": 5, "a1": 5, "a2": 30}
    for case, wait in waits.items():
        day = "2024-01-02" if case[0] == "b" else "2024-03-04"
        t0 = pd.Timestamp(f"{day} 08:00", tz="UTC")
        rows.append((case, "apply", t0, t0 + pd.Timedelta(minutes=10)))
        s = t0 + pd.Timedelta(minutes=10 + wait)
        rows.append((case, "pay", s, s + pd.Timedelta(minutes=5)))
    log = pd.DataFrame(rows, columns=[CASE, "concept:name", "start_timestamp", "time:timestamp"])
    log = log.assign(**{"org:group": "front", "odsc:door": "odsc", "odsc:citizen_present": True})
    ba = before_after(log, "2024-02-01", n_resamples=300)
    q = ba.row("queue_within_sla")
    assert q.before == pytest.approx(1 / 3) and q.after == pytest.approx(2 / 3)
    assert ba.row("waiting_median").before == 30 and ba.row("processing_mean").after == 15
    assert ba.row("visits_mean").before == 1.0


def test_same_seed_same_intervals_other_seed_other() -> None:
    log = _log(list(np.arange(1, 40) * 1.7 % 23 + 1), list(np.arange(1, 30) * 2.3 % 19 + 1))
    a = before_after(log, "2024-02-01", seed=7, n_resamples=300)
    b = before_after(log, "2024-02-01", seed=7, n_resamples=300)
    c = before_after(log, "2024-02-01", seed=8, n_resamples=300)
    assert a == b
    assert a.row("lead_mean").before_ci != c.row("lead_mean").before_ci


def test_median_interval_agrees_with_scipy_bootstrap() -> None:
    from scipy.stats import bootstrap

    rng = np.random.default_rng(11)
    before = rng.lognormal(3.0, 0.8, 300)
    after = rng.lognormal(2.5, 0.8, 250)
    ba = before_after(_log(list(before), list(after)), "2024-02-01", seed=1, n_resamples=4000)
    ours = ba.row("lead_median").before_ci
    ref = bootstrap((before * 60,), np.median, n_resamples=4000, method="percentile",
                    random_state=np.random.default_rng(2)).confidence_interval  # fmt: skip
    width = ref.high - ref.low
    assert abs(ours[0] - ref.low) < 0.15 * width and abs(ours[1] - ref.high) < 0.15 * width
    # the change: scipy's two-sample percentile bootstrap of median(after) - median(before)
    ref = bootstrap(
        (before * 60, after * 60),
        lambda x, y, axis=-1: np.median(y, axis=axis) - np.median(x, axis=axis),
        n_resamples=4000,
        method="percentile",
        random_state=np.random.default_rng(3),
    ).confidence_interval
    ours = ba.row("lead_median").change_ci
    width = ref.high - ref.low
    assert abs(ours[0] - ref.low) < 0.15 * width and abs(ours[1] - ref.high) < 0.15 * width


def test_split_refuses_an_empty_side() -> None:
    log = _log([1, 2], [3])
    with pytest.raises(LogError) as err:
        split_at(log, "2025-01-01")
    assert str(err.value) == (
        "--before-after 2025-01-01: no case started on or after it; the log's cases start "
        "from 2024-01-02 to 2024-03-04"
    )
    with pytest.raises(LogError, match="^--before-after: not a date or datetime: 'soon'"):
        split_at(log, "soon")


def test_a_case_across_the_date_counts_where_it_started() -> None:
    log = _log([24 * 60], [1])  # started 2 January, finished two months later
    before, after = split_at(log, "2024-02-01")
    assert before[CASE].unique().tolist() == ["b0"] and len(before) == 2


def test_receipt_before_after_matches_pm4py_case_durations() -> None:
    import pm4py

    path = DATA / "receipt.csv"
    if not path.exists():
        pytest.skip("real logs not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = read_log(path, agency="org:group")
    ba = before_after(log, "2011-03-01", n_resamples=500)
    assert ba.cases_before + ba.cases_after == log[CASE].nunique() == 1434
    before, after = split_at(log, "2011-03-01")
    for part, side in ((before, "before"), (after, "after")):
        frame = part[[CASE, "concept:name", "time:timestamp"]].copy()
        seconds = np.array(pm4py.get_all_case_durations(frame))  # no start times: same lead
        row = ba.row("lead_median")
        assert getattr(row, side) == pytest.approx(np.median(seconds) / 60)
        assert ba.row("lead_mean").__getattribute__(side) == pytest.approx(seconds.mean() / 60)
    # receipt's clock is CET: the date is 1 March 2011 00:00 CET = 28 Feb 23:00 UTC
    first = before.groupby(CASE)["time:timestamp"].min()
    assert first.max() < pd.Timestamp("2011-02-28 23:00", tz="UTC")
    assert after.groupby(CASE)["time:timestamp"].min().min() >= pd.Timestamp(
        "2011-02-28 23:00", tz="UTC"
    )
