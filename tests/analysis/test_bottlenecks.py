"""Bottleneck tables on tiny hand-built logs with exact answers, plus invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.bottlenecks import (
    activity_stats,
    directly_follows,
    prepare,
    profiles,
    transition_stats,
    wip,
)
from analysis.handoffs import resource_workload
from analysis.schema import LogError


def _ts(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def tiny_log() -> pd.DataFrame:
    """Two cases with start times; c1 Monday 2024-01-01, c2 Tuesday.

    c1: apply (front, ann) 08:00-08:10, check (tax, bob) 08:40-09:00,
        fix (front, ann) 10:00-10:05, check (tax, bob) 10:05-10:20
    c2: apply (front, cat) 09:00-09:20, check (tax, bob) 09:20-09:50
    """
    rows = [
        ("c1", "apply", "2024-01-01 08:00", "2024-01-01 08:10", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 08:40", "2024-01-01 09:00", "tax", "bob", "A"),
        ("c1", "fix", "2024-01-01 10:00", "2024-01-01 10:05", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 10:05", "2024-01-01 10:20", "tax", "bob", "A"),
        ("c2", "apply", "2024-01-02 09:00", "2024-01-02 09:20", "front", "cat", "B"),
        ("c2", "check", "2024-01-02 09:20", "2024-01-02 09:50", "tax", "bob", "B"),
    ]
    case, act, start, end, group, res, centre = zip(*rows)
    return pd.DataFrame(
        {
            "case:concept:name": case,
            "concept:name": act,
            "time:timestamp": _ts(list(end)),
            "start_timestamp": _ts(list(start)),
            "org:group": group,
            "org:resource": res,
            "centre": centre,
        }
    )


def test_directly_follows_pairs_and_transition_times():
    pairs = directly_follows(tiny_log())
    got = list(zip(pairs["case"], pairs["source"], pairs["target"], pairs["transition"]))
    assert got == [
        ("c1", "apply", "check", 30.0),
        ("c1", "check", "fix", 60.0),
        ("c1", "fix", "check", 0.0),
        ("c2", "apply", "check", 0.0),
    ]
    assert pairs["waiting"].tolist() == [30.0, 60.0, 0.0, 0.0]


def test_directly_follows_orders_overlapping_work_by_start():
    # b starts before a but completes after it: the path is b -> a (as in pm4py).
    log = pd.DataFrame(
        {
            "case:concept:name": ["c", "c"],
            "concept:name": ["a", "b"],
            "time:timestamp": _ts(["2024-01-01 09:00", "2024-01-01 10:00"]),
            "start_timestamp": _ts(["2024-01-01 08:30", "2024-01-01 08:00"]),
            "org:group": ["x", "y"],
        }
    )
    pairs = directly_follows(log)
    assert list(zip(pairs["source"], pairs["target"])) == [("b", "a")]
    # start of a (08:30) minus completion of b (10:00): overlapping work is negative.
    assert pairs["transition"].tolist() == [-90.0]


def test_activity_stats_exact():
    t = activity_stats(tiny_log()).set_index("activity")
    assert t.index.tolist() == ["fix", "check", "apply"]  # ranked by total waiting
    check = t.loc["check"]
    assert (check["events"], check["cases"], check["starts"], check["ends"]) == (3, 2, 0, 2)
    # waiting before check: 30, 0, 0 minutes
    assert check["waiting_median"] == 0.0
    assert check["waiting_mean"] == pytest.approx(10.0)
    assert check["waiting_p90"] == pytest.approx(24.0)  # linear: 0 + 0.8 * 30
    assert check["waiting_total"] == 30.0
    assert check["waiting_share"] == pytest.approx(30 / 90)
    # processing of check: 20, 15, 30 minutes
    assert check["processing_median"] == 20.0
    assert check["processing_mean"] == pytest.approx(65 / 3)
    assert check["processing_p90"] == pytest.approx(28.0)
    assert check["processing_total"] == 65.0
    assert t.loc["fix", "waiting_share"] == pytest.approx(60 / 90)
    assert t.loc["apply", "waiting_total"] == 0.0
    assert t.loc["apply", "starts"] == 2
    assert t["waiting_share"].sum() == pytest.approx(1.0)


def test_activity_stats_without_start_times_has_no_processing():
    log = tiny_log().drop(columns="start_timestamp")
    t = activity_stats(log).set_index("activity")
    assert t["processing_total"].isna().all()
    # waiting is now the transition time between completions: check after apply 50 and 30,
    # after fix 15
    assert t.loc["check", "waiting_total"] == 50 + 15 + 30


def test_activity_stats_by_group():
    t = activity_stats(tiny_log(), by="centre")
    assert t.columns[0] == "centre"
    a = t[t["centre"] == "A"].set_index("activity")
    b = t[t["centre"] == "B"].set_index("activity")
    assert a.loc["check", "events"] == 2 and a.loc["check", "waiting_total"] == 30.0
    assert b.loc["check", "events"] == 1 and b.loc["check", "waiting_total"] == 0.0
    # shares are within each group
    assert a["waiting_share"].sum() == pytest.approx(1.0)
    assert b["waiting_share"].sum() == 0.0


def test_transition_stats_exact():
    t = transition_stats(tiny_log())
    assert list(zip(t["source"], t["target"])) == [
        ("check", "fix"),
        ("apply", "check"),
        ("fix", "check"),
    ]
    row = t.iloc[1]
    assert (row["count"], row["cases"]) == (2, 2)
    assert (row["median"], row["mean"], row["total"]) == (15.0, 15.0, 30.0)
    assert row["p90"] == pytest.approx(27.0)


def test_transition_stats_by_group():
    t = transition_stats(tiny_log(), by="centre")
    got = {(r.centre, r.source, r.target): r.count for r in t.itertuples()}
    assert got == {
        ("A", "check", "fix"): 1,
        ("A", "apply", "check"): 1,
        ("A", "fix", "check"): 1,
        ("B", "apply", "check"): 1,
    }


def test_profiles_grid_and_counts():
    p = profiles(tiny_log())
    assert len(p) == 7 * 24
    arrivals = p[p["arrivals"] > 0][["day", "hour", "arrivals"]].values.tolist()
    assert arrivals == [["Mon", 8, 1], ["Tue", 9, 1]]
    events = p[p["events"] > 0][["day", "hour", "events"]].values.tolist()
    assert events == [["Mon", 8, 1], ["Mon", 9, 1], ["Mon", 10, 2], ["Tue", 9, 2]]
    mon = p[p["day"] == "Mon"].set_index("hour")
    assert mon.loc[8, "waiting_total"] == 30.0  # check began 08:40 after 30 minutes
    assert mon.loc[10, "waiting_total"] == 60.0  # fix 60, second check 0
    assert math.isnan(mon.loc[3, "waiting_median"])


def test_profiles_in_local_time():
    p = profiles(tiny_log(), tz="Asia/Vientiane")  # UTC+7
    arrivals = p[p["arrivals"] > 0][["day", "hour"]].values.tolist()
    assert arrivals == [["Mon", 15], ["Tue", 16]]


def test_profiles_by_group():
    p = profiles(tiny_log(), by="centre")
    assert len(p) == 2 * 7 * 24
    assert p.groupby("centre")["arrivals"].sum().to_dict() == {"A": 1, "B": 1}


def _wip_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2", "c2", "c3"],
            "concept:name": ["a", "b", "a", "b", "a"],
            "time:timestamp": _ts(
                [
                    "2024-01-01 08:00",
                    "2024-01-04 09:00",
                    "2024-01-02 08:00",
                    "2024-01-03 10:00",
                    "2024-01-06 10:00",
                ]
            ),
            "org:group": ["x", "y", "x", "y", "x"],
            "centre": ["A", "A", "B", "B", "B"],
        }
    )


def test_wip_counts_open_cases_per_day():
    w = wip(_wip_log())
    assert w["date"].dt.strftime("%m-%d").tolist() == [
        "01-01",
        "01-02",
        "01-03",
        "01-04",
        "01-05",
        "01-06",
    ]
    assert w["open"].tolist() == [1, 2, 2, 1, 0, 1]
    assert w["started"].tolist() == [1, 1, 0, 0, 0, 1]
    assert w["finished"].tolist() == [0, 0, 1, 1, 0, 1]


def test_wip_by_group_spans_each_groups_days():
    w = wip(_wip_log(), by="centre")
    a = w[w["centre"] == "A"]
    b = w[w["centre"] == "B"]
    assert a["open"].tolist() == [1, 1, 1, 1]
    assert b["date"].dt.day.tolist() == [2, 3, 4, 5, 6]
    assert b["open"].tolist() == [1, 1, 0, 0, 1]


def test_resource_workload_exact():
    r = resource_workload(tiny_log()).set_index("resource")
    assert r.index.tolist() == ["bob", "ann", "cat"]
    assert r.loc["bob", ["events", "cases", "active_days"]].tolist() == [3, 2, 2]
    assert r.loc["bob", "busy_minutes"] == 65.0
    assert r.loc["ann", "busy_minutes"] == 15.0
    assert r.loc["bob", "agency"] == "tax"
    assert r.loc["bob", "event_share"] == pytest.approx(0.5)


def test_resource_workload_without_resources_is_empty():
    r = resource_workload(tiny_log().drop(columns="org:resource"))
    assert r.empty and "busy_minutes" in r.columns


def test_unknown_by_column_is_a_one_line_input_error():
    with pytest.raises(LogError) as e:
        activity_stats(tiny_log(), by="centr")
    assert "'centr'" in str(e.value) and "\n" not in str(e.value)


@st.composite
def _random_logs(draw):
    n_cases = draw(st.integers(1, 6))
    rows = []
    for c in range(n_cases):
        k = draw(st.integers(1, 6))
        gaps = draw(st.lists(st.integers(0, 600), min_size=k, max_size=k))
        acts = draw(st.lists(st.sampled_from("abc"), min_size=k, max_size=k))
        groups = draw(st.lists(st.sampled_from("xy"), min_size=k, max_size=k))
        t = np.cumsum(gaps)
        for i in range(k):
            rows.append((f"c{c}", acts[i], int(t[i]), groups[i]))
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "m", "org:group"])
    df["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(df["m"], "min")
    return df.drop(columns="m")


@settings(max_examples=25, deadline=None)
@given(_random_logs())
def test_invariants_on_random_logs(log):
    n_events, n_cases = len(log), log["case:concept:name"].nunique()
    lead = log.groupby("case:concept:name")["time:timestamp"].agg(lambda s: s.max() - s.min())
    log = prepare(log)
    t = transition_stats(log)
    assert t["count"].sum() == n_events - n_cases
    a = activity_stats(log)
    assert a["events"].sum() == n_events
    assert a["starts"].sum() == n_cases and a["ends"].sum() == n_cases
    # without start times, total waiting is total transition time is total lead time
    assert a["waiting_total"].sum() == pytest.approx(lead.sum() / pd.Timedelta(minutes=1))
    w = wip(log)
    assert w["started"].sum() == n_cases and w["finished"].sum() == n_cases
    assert (w["open"] >= 0).all()
