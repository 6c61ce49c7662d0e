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

import warnings
from pathlib import Path

import pandas as pd
import pytest

from analysis.bottlenecks import activity_stats, directly_follows, prepare, transition_stats
from analysis.logs import read_log
from analysis.scale import build_events, open_log
from analysis.scale.bottlenecks import (
    activity_stats_finish,
    activity_stats_partials,
    pairs_sql,
    transition_stats_finish,
    transition_stats_partials,
)
from analysis.scale.partials import combine, run_partials
from analysis.schema import LogError

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"

#: Real logs, each with a column to compare groups by (one of them numeric).
REAL = {
    "running-example.csv": "Costs",
    "running-example.xes": "Costs",
    "receipt.csv": "case:channel",
    "helpdesk.xes.gz": "support_section",
    "roadtraffic100traces.xes": "vehicleClass",
    "interval_event_log.csv": "org:group",
}
EXAMPLE = ROOT / "examples" / "odsc_example_log.csv"

TABLES = {
    "activity": (activity_stats_partials, activity_stats_finish, activity_stats),
    "transition": (transition_stats_partials, transition_stats_finish, transition_stats),
}
#: Each table's row keys and the columns it is ranked by.
RANKS = {
    "activity": (["activity"], ["waiting_total", "events"]),
    "transition": (["source", "target"], ["total", "count"]),
}


def assert_table_equal(
    got: pd.DataFrame, expected: pd.DataFrame, *, keys: list[str], rank: list[str]
) -> None:
    """The tables are equal, rows in the same order, floats to 1e-9 relative.

    One difference of order is allowed, and checked to be that: pandas sums
    float minutes, so two groups whose exact totals tie (the engine keeps
    them in the order they first occur) can differ in pandas in the last
    bit, which decides its order. Rows may swap only where their ranking
    values agree to 1e-9.
    """
    pd.testing.assert_index_equal(got.columns, expected.columns)
    swapped = _row_keys(got, keys) != _row_keys(expected, keys)
    if swapped.any():
        for col in rank:
            a, b = got.loc[swapped, col], expected.loc[swapped, col]
            assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-9, nan_ok=True), col
        order = pd.Series(range(len(got)), index=_row_keys(got, keys))
        got = got.iloc[order.loc[_row_keys(expected, keys)].to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9)


def _row_keys(frame: pd.DataFrame, keys: list[str]) -> pd.Index:
    return pd.Index([repr(tuple(row)) for row in frame[keys].itertuples(index=False)])


def _ts(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def tiny_log() -> pd.DataFrame:
    """The two cases of the pandas tests: starts, resources, a centre per case."""
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


def edge_log() -> pd.DataFrame:
    """Ties in time, one-event cases, overlapping work, missing starts, resources and groups.

    c1: three events completing at the same instant (two also starting together),
        then one that started before the previous one ended (an overlap);
    c2, c3: one event each (no pair, no waiting); c3 has no start and no resource;
    c4: starts known for some events only, a missing centre on its first event,
        a suspension of 5 minutes on its last.
    """
    rows = [
        ("c1", "a", "2024-03-04 08:00", "2024-03-04 08:30", "x", "ann", "A", None),
        ("c1", "b", "2024-03-04 08:00", "2024-03-04 08:30", "y", "bob", "A", None),
        ("c1", "a", "2024-03-04 08:10", "2024-03-04 08:30", "x", "ann", "A", None),
        ("c1", "c", "2024-03-04 08:20", "2024-03-04 09:00", "y", "bob", "A", None),
        ("c2", "a", "2024-03-05 23:50", "2024-03-06 00:20", "x", "cat", "B", None),
        ("c3", "b", None, "2024-03-09 12:00", "y", None, "B", None),
        ("c4", "a", None, "2024-03-04 10:00", "x", "ann", None, None),
        ("c4", "c", "2024-03-04 10:30", "2024-03-04 11:00", "y", "bob", "A", None),
        ("c4", "b", None, "2024-03-04 11:00", "x", "bob", "B", None),
        ("c4", "c", "2024-03-07 09:00", "2024-03-07 10:00", "y", None, "B", 5.0),
    ]
    case, act, start, end, group, res, centre, paused = zip(*rows)
    return pd.DataFrame(
        {
            "case:concept:name": case,
            "concept:name": act,
            "time:timestamp": _ts(list(end)),
            "start_timestamp": _ts(list(start)),
            "org:group": group,
            "org:resource": res,
            "centre": centre,
            "odsc:suspended_minutes": pd.Series(paused, dtype=float),
        }
    )


def bare_log() -> pd.DataFrame:
    """Completions only, no resources; ties in time inside a case."""
    return pd.DataFrame(
        {
            "case:concept:name": ["k1", "k1", "k1", "k2", "k2", "k3"],
            "concept:name": ["a", "b", "a", "b", "a", "a"],
            "time:timestamp": _ts(
                [
                    "2024-01-01 08:00",
                    "2024-01-01 08:00",
                    "2024-01-02 09:00",
                    "2024-01-01 07:00",
                    "2024-01-01 07:30",
                    "2024-01-03 10:00",
                ]
            ),
            "org:group": ["x", "y", "x", "y", "y", "x"],
            "channel": ["web", "web", "web", "desk", "desk", None],
        }
    )


TINY = {"tiny": (tiny_log, "centre"), "edge": (edge_log, "centre"), "bare": (bare_log, "channel")}


def _read(name: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader's notes on set-aside duplicates
        if name in TINY:
            return read_log(TINY[name][0]())
        if name == "example":
            return read_log(EXAMPLE)
        return read_log(DATA / name)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """name -> (prepared pandas log, Parquet path), read on first use."""
    cache: dict[str, tuple[pd.DataFrame, Path]] = {}
    folder = tmp_path_factory.mktemp("scale_logs")

    def get(name: str) -> tuple[pd.DataFrame, Path]:
        if name not in cache:
            if name in REAL and not (DATA / name).exists():
                pytest.skip("shared data not available")
            log = _read(name)
            path = folder / (name.replace(".", "_") + ".parquet")
            log.to_parquet(path)
            cache[name] = (prepare(log), path)
        return cache[name]

    return get


def engine(path: Path, table: str, *, by: str | None = None, buckets: int = 0) -> pd.DataFrame:
    """A table by the scale engine, in one partition or in ``buckets`` hash buckets of cases."""
    partials_of, finish, _ = TABLES[table]
    parts, partials = [], []
    for k in range(buckets) if buckets else [None]:
        where = None if k is None else f'hash("case:concept:name") % {buckets} = {k}'
        con, log = open_log(path, where=where)
        build_events(con, log, keep=(by,) if by else ())
        partials = partials_of(log, by=by)
        parts.append(run_partials(con, partials))
    combine(con, parts, partials)
    return finish(con, log, by=by)


def _cases() -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for name, by in [*REAL.items(), ("example", "centre")] + [(n, b) for n, (_, b) in TINY.items()]:
        out += [(name, None), (name, by)]
    return out


@pytest.mark.parametrize("table", list(TABLES))
@pytest.mark.parametrize("name, by", _cases())
def test_equal_to_pandas_and_to_a_split_run(logs, name, by, table):
    ev, path = logs(name)
    got = engine(path, table, by=by)
    expected = TABLES[table][2](ev, by=by)
    keys, rank = RANKS[table]
    # pandas sums float minutes, the engine integer nanoseconds: equal to 1e-9 relative
    assert_table_equal(got, expected, keys=([by] if by else []) + keys, rank=rank)
    split = engine(path, table, by=by, buckets=3)
    pd.testing.assert_frame_equal(split, got, check_exact=True)


@pytest.mark.parametrize("name", [*REAL, "example", *TINY])
def test_pairs_sql_is_directly_follows(logs, name):
    ev, path = logs(name)
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


def test_exact_values_on_the_tiny_log(logs):
    _, path = logs("tiny")
    act = engine(path, "activity").set_index("activity")
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
    tr = engine(path, "transition").set_index(["source", "target"])
    assert tr.loc[("apply", "check"), ["count", "cases", "median", "total"]].tolist() == [
        2,
        2,
        15.0,
        30.0,
    ]


def test_overlaps_and_suspensions_on_the_edge_log(logs):
    _, path = logs("edge")
    tr = engine(path, "transition").set_index(["source", "target"])
    # c1: a(08:00-08:30) -> b(08:00-08:30): starts equal, so b began before a ended
    assert tr.loc[("a", "b"), "overlaps"] == 1 and pd.isna(tr.loc[("a", "b"), "median"])
    assert tr.loc[("a", "b"), "signed_mean"] == -30.0
    act = engine(path, "activity").set_index("activity")
    # c's processing: 40 (c1), 30 (c4), 60 - 5 suspended (c4)
    assert act.loc["c", "processing_total"] == pytest.approx(125.0, rel=1e-12)
    # c3's only event has no start: processing unknown, never 0
    bare = engine(logs("bare")[1], "activity")
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
def test_counts_and_mean_times_equal_pm4py(logs, name):
    ev, path = logs(name)
    ours = engine(path, "transition").set_index(["source", "target"])
    import pm4py

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
