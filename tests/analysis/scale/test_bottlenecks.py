"""The scale engine's activity and transition tables equal the pandas ones, on every log.

Each log is read once by :func:`analysis.logs.read_log` and written to Parquet;
the engine (DuckDB over that file: ``build_events``, the partials, ``combine``,
the finish function) must give the table :mod:`analysis.bottlenecks` gives on
the same log: same columns, dtypes and row order. Floats are compared with
``rtol=1e-9`` because pandas sums float minutes event by event while the
engine sums integer nanoseconds and divides once (medians and quantiles come
from exact value counts). Running the partials on three hash buckets of cases
and combining them must give the *identical* table (``check_exact``): that is
what a Dask run relies on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import activity_stats, directly_follows, transition_stats
from analysis.scale import build_events, connect, open_log
from analysis.scale.bottlenecks import (
    activity_stats_finish,
    activity_stats_partials,
    pairs_sql,
    transition_stats_finish,
    transition_stats_partials,
)
from analysis.scale.counts import hash_value_quantiles
from analysis.scale.partials import quantiles
from analysis.schema import LogError

TABLES = {
    "activity": (activity_stats_partials, activity_stats_finish, activity_stats),
    "transition": (transition_stats_partials, transition_stats_finish, transition_stats),
}
#: Each table's row keys and the columns it is ranked by.
RANKS = {
    "activity": (["activity"], ["waiting_total", "events"]),
    "transition": (["source", "target"], ["total", "count"]),
}


def _engine(engine, path, table, *, by=None, buckets=0):
    partials_of, finish, _ = TABLES[table]
    return engine(path, partials_of, finish, by=by, buckets=buckets)


@pytest.mark.parametrize("table", list(TABLES))
def test_equal_to_pandas_and_to_a_split_run(
    logs, engine, table_equal, path_order, log_name, log_by, table
):
    ev, path = logs(log_name)
    by = log_by
    got = _engine(engine, path, table, by=by)
    expected = TABLES[table][2](path_order(ev), by=by)  # as mine() computes it
    keys, rank = RANKS[table]
    # pandas sums float minutes, the engine integer nanoseconds: equal to 1e-9 relative
    table_equal(got, expected, keys=([by] if by else []) + keys, rank=rank)
    split = _engine(engine, path, table, by=by, buckets=3)
    pd.testing.assert_frame_equal(split, got, check_exact=True)


def test_pairs_sql_is_directly_follows(logs, log_name):
    ev, path = logs(log_name)
    con, log = open_log(path)
    build_events(con, log)
    got = con.execute(f"SELECT * FROM ({pairs_sql()}) ORDER BY ckey, fpos").df()
    expected = directly_follows(ev)
    assert len(got) == len(expected)
    for ours, theirs in [("ckey", "case"), ("source", "source"), ("target", "target")]:
        assert got[ours].tolist() == expected[theirs].astype(str).tolist()
    for ours, theirs in [("source_agency", "source_agency"), ("target_agency", "target_agency")]:
        assert got[ours].tolist() == expected[theirs].astype(str).tolist()
    if "source_resource" in expected:
        left = got["target_resource"].astype(object).where(got["target_resource"].notna(), None)
        right = expected["target_resource"].astype(object)
        assert left.tolist() == right.where(right.notna(), None).tolist()
    pd.testing.assert_series_equal(
        got["transition_ns"] / 60e9, expected["transition"], check_names=False, rtol=1e-12
    )
    pd.testing.assert_series_equal(
        got["waiting_ns"].astype(float) / 60e9, expected["waiting"], check_names=False, rtol=1e-12
    )
    # pos: the later event's place in its case in read_log's order (pandas: its row)
    place = ev.groupby("case:concept:name", sort=False).cumcount().to_numpy() + 1
    assert got["pos"].tolist() == place[expected["row"].to_numpy()].tolist()


def test_exact_values_on_the_tiny_log(logs, engine):
    _, path = logs("tiny")
    act = _engine(engine, path, "activity").set_index("activity")
    # check waits 30 (c1, after apply), 0 (c1, after fix), 0 (c2): p90 at h = 1.8 -> 24
    assert act.loc["check", ["events", "cases", "starts", "ends"]].tolist() == [3, 2, 0, 2]
    assert act.loc["check", ["waiting_median", "waiting_mean", "waiting_p90"]].tolist() == [
        0.0,
        10.0,
        24.0,
    ]
    assert act.loc["check", "waiting_total"] == 30.0
    # processing 20, 15, 30 minutes
    assert act.loc["check", ["processing_median", "processing_total"]].tolist() == [20.0, 65.0]
    # apply never waits (first events): "not recorded", not zero
    assert pd.isna(act.loc["apply", "waiting_median"]) and act.loc["apply", "waiting_share"] == 0
    tr = _engine(engine, path, "transition").set_index(["source", "target"])
    assert tr.loc[("apply", "check"), ["count", "cases", "median", "total"]].tolist() == [
        2,
        2,
        15.0,
        30.0,
    ]


def test_overlaps_and_suspensions_on_the_edge_log(logs, engine):
    _, path = logs("edge")
    tr = _engine(engine, path, "transition").set_index(["source", "target"])
    # c1: a(08:00-08:30) -> b(08:00-08:30): starts equal, so b began before a ended
    assert tr.loc[("a", "b"), "overlaps"] == 1 and pd.isna(tr.loc[("a", "b"), "median"])
    assert tr.loc[("a", "b"), "signed_mean"] == -30.0
    act = _engine(engine, path, "activity").set_index("activity")
    # c's processing: 40 (c1), 30 (c4), 60 - 5 suspended (c4)
    assert act.loc["c", "processing_total"] == pytest.approx(125.0, rel=1e-12)
    # c3's only event has no start: processing unknown, never 0
    bare = _engine(engine, logs("bare")[1], "activity")
    assert bare["processing_median"].isna().all() and bare["processing_total"].isna().all()


def test_a_by_column_the_log_lacks_is_one_line(logs):
    _, path = logs("tiny")
    con, log = open_log(path)
    with pytest.raises(LogError, match=r"by: column 'centre2' is not in the log") as err:
        activity_stats_partials(log, by="centre2")
    assert "\n" not in str(err.value)
    with pytest.raises(LogError, match="centre2"):
        transition_stats_partials(log, by="centre2")


# ----- pm4py's performance DFG on the same events ---------------------------------------


def _pm4py_frame(ev: pd.DataFrame) -> pd.DataFrame:
    import pm4py

    cols = ["case:concept:name", "concept:name", "time:timestamp"]
    frame = ev[cols].astype({"case:concept:name": object, "concept:name": object})
    return pm4py.format_dataframe(
        frame.reset_index(drop=True),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )


@pytest.mark.parametrize("name", ["receipt.csv", "helpdesk.xes.gz"])
def test_counts_and_mean_times_equal_pm4py(logs, engine, name):
    ev, path = logs(name)
    import pm4py

    ours = _engine(engine, path, "transition").set_index(["source", "target"])
    frame = _pm4py_frame(ev)
    dfg, _, _ = pm4py.discover_dfg(frame)
    assert ours["count"].to_dict() == dfg
    perf, _, _ = pm4py.discover_performance_dfg(frame)  # seconds
    assert set(perf) == set(ours.index)
    for pair, stats in perf.items():
        # completions only: nothing overlaps, so the mean is pm4py's mean
        assert ours.loc[pair, "mean"] * 60 == pytest.approx(stats["mean"], rel=1e-9, abs=1e-6)
        assert ours.loc[pair, "median"] * 60 == pytest.approx(stats["median"], rel=1e-9, abs=1e-6)
    assert ours["overlaps"].sum() == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hash_value_quantiles_are_the_partials_quantiles(seed):
    # random value counts: many groups, ties, single values, large ns values
    rng = np.random.default_rng(seed)
    size = 5000
    frame = pd.DataFrame(
        {
            "h": rng.integers(-(2**62), 2**62, size=40)[rng.integers(0, 40, size=size)],
            "value": rng.integers(0, 10**15, size=size) // rng.choice([1, 10**9], size=size),
            "n": rng.integers(1, 5, size=size),
        }
    ).drop_duplicates(["h", "value"])
    con = connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE vc AS SELECT * FROM frame")
    levels = (0.1, 0.5, 0.9, 0.99)
    theirs = quantiles(con, "vc", keys=("h",), levels=levels, scale=60e9)
    ours = hash_value_quantiles(con, "vc", theirs["h"].to_numpy(), levels=levels, scale=60e9)
    ours.insert(0, "h", theirs["h"])
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True, check_dtype=False)
    # and numpy's own quantiles on the expanded values
    for row in ours.sample(5, random_state=seed).itertuples():
        part = frame[frame["h"] == row.h]
        values = np.repeat(part["value"].to_numpy() / 60e9, part["n"].to_numpy())
        assert row[2] == np.quantile(values, 0.1)
        assert row[4] == np.quantile(values, 0.9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_row_quantiles_are_numpys_and_the_counted_ones(seed):
    # one row per value (no count column), as the nearly distinct partials are stored:
    # many groups, ties, single values, NULLs, values past 2**53 ns
    rng = np.random.default_rng(seed)
    size = 6000
    h = rng.integers(-(2**62), 2**62, size=50)[rng.integers(0, 50, size=size)]
    value = rng.integers(0, 10**16, size=size) // rng.choice([1, 10**9, 10**12], size=size)
    rows = pd.DataFrame({"h": h, "value": pd.array(value, dtype="Int64")})
    rows.loc[rng.random(size) < 0.02, "value"] = pd.NA
    con = connect()
    con.register("rows_frame", rows)
    con.execute("CREATE TABLE r AS SELECT * FROM rows_frame")
    con.execute(
        "CREATE TABLE vc AS SELECT h, value, count(*) AS n FROM r "
        "WHERE value IS NOT NULL GROUP BY ALL"
    )
    levels = (0.1, 0.5, 0.9, 0.99)
    hashes = np.append(np.unique(h), 12345)  # and a key without values
    got = hash_value_quantiles(con, "r", hashes, levels=levels, scale=60e9)
    counted = hash_value_quantiles(con, "vc", hashes, levels=levels, scale=60e9)
    assert got["count"].tolist() == counted["count"].tolist()
    assert got["count"].iloc[-1] == 0 and got[[f"q{q}" for q in levels]].iloc[-1].isna().all()
    for q in levels:
        # DuckDB interpolates in ns and then divides: equal to the last bit or so
        np.testing.assert_allclose(got[f"q{q}"], counted[f"q{q}"], rtol=1e-15, atol=0)
    for i in rng.choice(len(hashes) - 1, size=5, replace=False):
        values = rows.loc[(rows["h"] == hashes[i]) & rows["value"].notna(), "value"]
        ref = np.quantile(values.to_numpy(dtype=float) / 60e9, 0.5)
        assert got["q0.5"].iloc[i] == pytest.approx(ref, rel=1e-15, abs=0)
