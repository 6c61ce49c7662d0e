"""The scale engine's handoff and ping-pong tables against today's pandas tables.

Every log is read once with :func:`analysis.logs.read_log` and written to
Parquet; the pandas tables are computed as :func:`analysis.mining.mine`
computes them (the compact, path-ordered event table, the directly-follows
pairs shared by the tables), the engine's from the Parquet file. Tables must
be equal: same columns, dtypes and row order; floats to ``rtol=1e-9`` because
pandas adds minutes in floating point while the engine adds integer
nanoseconds and divides once. Split into three hash buckets of cases, the
engine must give the *identical* table (``check_exact``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import directly_follows, prepare
from analysis.handoffs import handoff_events, handoff_matrix, handoffs, pingpongs
from analysis.logs import read_log
from analysis.mining import _compact
from analysis.scale.events import build_events
from analysis.scale.flows import (
    handoff_matrix_finish,
    handoffs_finish,
    handoffs_partials,
    pingpongs_finish,
    pingpongs_partials,
)
from analysis.scale.partials import combine, run_partials
from analysis.scale.source import connect, open_log
from analysis.schema import LogError
from journeys.model import Journey

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"

#: The real logs (a file, a column to group by); bpic2012 takes about a minute to read.
REAL = [
    pytest.param(("real", DATA / "receipt.csv", "case:department"), id="receipt"),
    pytest.param(("real", DATA / "helpdesk.xes.gz", "support_section"), id="helpdesk"),
    pytest.param(("real", DATA / "interval_event_log.csv", None), id="interval"),
    pytest.param(("real", DATA / "running-example.csv", "Resource"), id="running-csv"),
    pytest.param(("real", DATA / "running-example.xes", "Costs"), id="running-xes"),
    pytest.param(("real", DATA / "roadtraffic100traces.xes", "dismissal"), id="roadtraffic"),
    pytest.param(("real", ROOT / "examples" / "odsc_example_log.csv", "centre"), id="example"),
    pytest.param(("real", DATA / "bpic2012.xes.gz", None), id="bpic2012", marks=pytest.mark.slow),
]


def _ts(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True)


def tiny_log() -> pd.DataFrame:
    """c1: front -> tax -> front -> tax (two returns); c2: front -> tax. With start times."""
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
    """One-event cases, ties in time, an unknown resource, work that overlaps.

    d1: three events completed at the same minute (ties keep the reading
    order); d2: a single event; d3: ``b`` starts before ``a`` ends and ends
    first (path order by start differs from completion order), and one event
    without a resource; d4: a single event.
    """
    rows = [
        ("d1", "a", "2024-01-01 08:00", "2024-01-01 09:00", "x", "r1", "P"),
        ("d1", "b", "2024-01-01 08:00", "2024-01-01 09:00", "y", "r2", "P"),
        ("d1", "c", "2024-01-01 08:00", "2024-01-01 09:00", "x", "r1", "Q"),
        ("d2", "a", "2024-01-01 08:00", "2024-01-01 08:30", "x", "r1", "P"),
        ("d3", "a", "2024-01-02 08:00", "2024-01-02 10:00", "x", "r1", "Q"),
        ("d3", "b", "2024-01-02 08:30", "2024-01-02 09:00", "y", None, "Q"),
        ("d3", "a", "2024-01-02 11:00", "2024-01-02 12:00", "x", "r2", "Q"),
        ("d3", "c", "2024-01-02 12:30", "2024-01-02 13:00", "z", "r1", None),
        ("d4", "c", "2024-01-03 08:00", "2024-01-03 08:10", "z", "r3", "P"),
    ]
    case, act, start, end, group, res, grp = zip(*rows)
    return pd.DataFrame(
        {
            "case:concept:name": case,
            "concept:name": act,
            "time:timestamp": _ts(list(end)),
            "start_timestamp": _ts(list(start)),
            "org:group": group,
            "org:resource": res,
            "centre": grp,
        }
    )


HAND = {
    "tiny": (tiny_log, "centre"),
    "tiny-no-start": (lambda: tiny_log().drop(columns="start_timestamp"), "centre"),
    "tiny-no-resource": (lambda: tiny_log().drop(columns="org:resource"), None),
    "edge": (edge_log, "centre"),
    "edge-no-start": (lambda: edge_log().drop(columns="start_timestamp"), "centre"),
}


@pytest.fixture(scope="module", params=REAL + [pytest.param(("hand", k), id=k) for k in HAND])
def logged(request, tmp_path_factory, real_log):
    """(canonical pandas log, its Parquet file, the group column) of one log."""
    param = request.param
    folder = tmp_path_factory.mktemp("flows")
    if param[0] == "hand":
        make, by = HAND[param[1]]
        source = folder / f"{param[1]}.csv"
        make().to_csv(source, index=False)
    else:
        _, source, by = param
        if not source.exists():
            pytest.skip(f"{source.name} is not in the shared data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a real log is read once per run (tests/conftest.py)
        log = read_log(source) if param[0] == "hand" else real_log(source)
    parquet = folder / "log.parquet"
    log.to_parquet(parquet)
    return log, parquet, by


def _pandas_tables(log: pd.DataFrame, by: str | None) -> dict[str, pd.DataFrame]:
    """Today's tables, called as analysis.mining.mine calls them."""
    ev = _compact(prepare(log), by)
    pairs = directly_follows(ev, by=by)
    out = {}
    for level in ("agency", "resource"):
        if level == "resource" and "org:resource" not in ev.columns:
            continue
        moves = handoff_events(ev, level=level, pairs=pairs, by=by)
        plain = moves.drop(columns="by", errors="ignore")
        out[f"handoffs-{level}"] = handoffs(ev, level=level, events=plain)
        out[f"pingpongs-{level}"] = pingpongs(ev, level=level, events=plain)
        if by:
            out[f"handoffs-{level}-by"] = handoffs(ev, level=level, by=by, events=moves)
            out[f"pingpongs-{level}-by"] = pingpongs(ev, level=level, by=by, events=moves)
    hand = out["handoffs-agency"]
    out["matrix"] = handoff_matrix(hand) if len(hand) else pd.DataFrame()
    return out


def _engine_tables(parquet: Path, by: str | None, buckets: int = 1) -> dict[str, pd.DataFrame]:
    """The engine's tables from ``buckets`` hash buckets of cases, combined."""
    _, log = open_log(parquet)
    levels = ["agency"] + (["resource"] if "org:resource" in log.columns else [])
    specs = []  # (name, partials, finish)
    for level in levels:
        for group in [None, by] if by else [None]:
            tail = f"-{level}" + ("-by" if group else "")
            specs.append(
                (
                    f"handoffs{tail}",
                    handoffs_partials(log, level=level, by=group),
                    lambda c, lvl=level, g=group: handoffs_finish(c, log, level=lvl, by=g),
                )
            )
            specs.append(
                (
                    f"pingpongs{tail}",
                    pingpongs_partials(log, level=level, by=group),
                    lambda c, lvl=level, g=group: pingpongs_finish(c, log, level=lvl, by=g),
                )
            )
    unique = {p.name: p for _, parts, _ in specs for p in parts}
    partials = list(unique.values())
    runs = []
    for k in range(buckets):
        where = f'hash("case:concept:name") % {buckets} = {k}' if buckets > 1 else None
        con, part_log = open_log(parquet, where=where)
        build_events(con, part_log, keep=(by,) if by else ())
        runs.append(run_partials(con, partials))
        con.close()
    con = connect()
    combine(con, runs, partials)
    out = {name: finish(con) for name, _, finish in specs}
    out["matrix"] = handoff_matrix_finish(con, log)
    return out


@pytest.fixture(scope="module")
def tables(logged):
    log, parquet, by = logged
    return _pandas_tables(log, by), _engine_tables(parquet, by)


def test_tables_equal_the_pandas_tables(tables):
    ours, engine = tables
    assert set(engine) >= set(ours)
    for name, expected in ours.items():
        got = engine[name]
        if expected.empty and not len(expected.columns):
            assert got.empty, name
            continue
        if name.startswith("handoffs") and name.endswith("-by"):
            # analysis.handoffs._mode drops the rows of a missing group (its groupby keeps
            # the default dropna=True), so pandas leaves their carrier NaN where it means
            # "no carrier" (""), which the engine gives
            expected = expected.assign(carrier=expected["carrier"].fillna(""))
        try:
            pd.testing.assert_frame_equal(got, expected, rtol=1e-9)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def test_three_buckets_of_cases_give_the_identical_tables(logged, tables):
    _, parquet, by = logged
    _, whole = tables
    split = _engine_tables(parquet, by, buckets=3)
    for name, expected in whole.items():
        pd.testing.assert_frame_equal(split[name], expected, check_exact=True, obj=name)


# ----- exact answers on hand-built logs ---------------------------------------------------


def _one(frame: pd.DataFrame, parts_fn, finish_fn, tmp_path: Path, **options) -> pd.DataFrame:
    frame.to_parquet(tmp_path / "log.parquet")
    keep = (options["by"],) if options.get("by") else ()
    con, log = open_log(tmp_path / "log.parquet")
    build_events(con, log, keep=keep)
    parts = parts_fn(log, **options)
    combine(con, [run_partials(con, parts)], parts)
    return finish_fn(con, log, **options)


def test_tiny_handoffs_exact(tmp_path):
    t = _one(read_log_frame(tiny_log(), tmp_path), handoffs_partials, handoffs_finish, tmp_path)
    assert list(zip(t["source"], t["target"])) == [("tax", "front"), ("front", "tax")]
    ft = t.set_index(["source", "target"]).loc[("front", "tax")]
    assert (ft["count"], ft["cases"], ft["case_share"]) == (3, 2, 1.0)
    assert (ft["delay_median"], ft["delay_total"], ft["pingpongs"]) == (0.0, 30.0, 1)
    assert ft["delay_p90"] == pytest.approx(24.0)  # of 30, 0, 0 (numpy's linear rule)
    assert ft["lead_share"] == pytest.approx(30 / 190)  # lead times 140 + 50 minutes


def test_tiny_pingpongs_and_resources_exact(tmp_path):
    log = read_log_frame(tiny_log(), tmp_path)
    p = _one(log, pingpongs_partials, pingpongs_finish, tmp_path)
    assert p[["a", "b", "returns", "cases", "case_share", "delay_total"]].values.tolist() == [
        ["front", "tax", 2, 1, 0.5, 60.0]
    ]
    r = _one(log, handoffs_partials, handoffs_finish, tmp_path, level="resource")
    assert dict(zip(zip(r["source"], r["target"]), r["count"])) == {
        ("ann", "bob"): 2,
        ("bob", "ann"): 1,
        ("cat", "bob"): 1,
    }


def test_ties_and_overlaps_follow_the_path_order(tmp_path):
    t = _one(read_log_frame(edge_log(), tmp_path), handoffs_partials, handoffs_finish, tmp_path)
    got = {(r.source, r.target): (r.count, r.delay_total) for r in t.itertuples()}
    # d1, three ties read in file order a b c: x -> y -> x, waiting 0 (started before the
    # previous completion). d3 in start order a(x) b(y) a(x) c(z): b completed first, so it
    # is the case's first completion and its wait is unknown; the handoff delay is then the
    # transition 08:30 - 10:00 = -90 minutes, as in analysis.handoffs. The second a waits
    # 11:00 - 10:00 = 60 minutes, c 12:30 - 12:00 = 30.
    assert got == {("x", "y"): (2, -90.0), ("y", "x"): (2, 60.0), ("x", "z"): (1, 30.0)}


def test_carriers_come_from_the_journey(tmp_path):
    j = Journey.from_catalog("business-licence")
    steps = ["Get residence certificate", "submit", "doic_review", "police_clearance"]
    frame = pd.DataFrame(
        {
            "case:concept:name": ["c"] * 4,
            "concept:name": steps,
            "time:timestamp": pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC"),
            "org:group": ["village", "commerce", "commerce", "police"],
        }
    )
    t = _one(frame, handoffs_partials, handoffs_finish, tmp_path, journey=j)
    pd.testing.assert_frame_equal(t, handoffs(frame, journey=j), rtol=1e-9)
    carriers = dict(zip(zip(t["source"], t["target"]), t["carrier"]))
    assert carriers == {("village", "commerce"): "citizen", ("commerce", "police"): "citizen"}
    grouped = frame.assign(centre=["A", "A", "B", "B"])
    (tmp_path / "by").mkdir()
    t = _one(grouped, handoffs_partials, handoffs_finish, tmp_path / "by", journey=j, by="centre")
    pd.testing.assert_frame_equal(t, handoffs(grouped, journey=j, by="centre"), rtol=1e-9)
    assert t["centre"].tolist() == ["A", "B"]  # the group of the receiving event


def test_bad_level_and_group_are_input_errors(tmp_path):
    tiny_log().to_parquet(tmp_path / "log.parquet")
    _, log = open_log(tmp_path / "log.parquet")
    with pytest.raises(LogError, match="level: must be one of agency, resource, got 'desk'"):
        handoffs_partials(log, level="desk")
    with pytest.raises(LogError, match="no column 'centre2' to group by"):
        pingpongs_partials(log, by="centre2")


def read_log_frame(frame: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    """A hand-built log through read_log, as a user's file would go."""
    frame.to_csv(tmp_path / "log.csv", index=False)
    return read_log(tmp_path / "log.csv")


# ----- against pm4py ------------------------------------------------------------------------


def test_agency_handoff_counts_equal_pm4py_network_analysis(tmp_path):
    pm4py = pytest.importorskip("pm4py")
    path = DATA / "receipt.csv"
    if not path.exists():
        pytest.skip("receipt.csv is not in the shared data")
    raw = pd.read_csv(path)
    raw["time:timestamp"] = pd.to_datetime(raw["time:timestamp"], utc=True, format="ISO8601")
    raw["org:group"] = raw["org:group"].replace("EMPTY", "unknown")
    df = pm4py.format_dataframe(
        raw,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    net = pm4py.discover_network_analysis(
        df, out_column="case:concept:name", in_column="case:concept:name",
        node_column_source="org:group", node_column_target="org:group",
        edge_column="org:group", edge_reference="_out", performance=False,
        sorting_column="time:timestamp", timestamp_column="time:timestamp",
    )  # fmt: skip
    # pm4py links every event to the next of its case; handoffs are the off-diagonal links
    theirs = {pair: sum(v.values()) for pair, v in net.items() if pair[0] != pair[1]}
    read_log(path).to_parquet(tmp_path / "receipt.parquet")
    con, log = open_log(tmp_path / "receipt.parquet")
    build_events(con, log)
    parts = handoffs_partials(log)
    combine(con, [run_partials(con, parts)], parts)
    ours = handoffs_finish(con, log)
    assert dict(zip(zip(ours["source"], ours["target"]), ours["count"])) == theirs
    assert len(theirs) == 43  # agency pairs with at least one handoff


def test_numpy_quantiles_equal_the_engine_quantiles_bit_for_bit():
    from analysis.scale.counts import hash_value_quantiles
    from analysis.scale.partials import quantiles

    rng = np.random.default_rng(7)
    n = 5_000
    frame = pd.DataFrame(
        {
            "s": rng.choice(["a", "b", "c", "d"], size=n),
            "t": rng.choice(["x", "y", None], size=n),
            "value": rng.integers(-(10**11), 10**13, size=n) // 10**9 * 10**9,
            "n": rng.integers(1, 4, size=n),
        }
    ).drop_duplicates(["s", "t", "value"])
    con = connect()
    con.register("vc", frame)
    want = quantiles(con, "vc", keys=("s", "t"), levels=(0.1, 0.5, 0.9), scale=60e9)
    # the same counts stacked as two partitions would leave them: each value split in two rows
    con.execute(
        "CREATE TABLE stacked AS SELECT CAST(hash(s, t) >> 1 AS BIGINT) AS h, value, n - 1 AS n "
        "FROM vc WHERE n > 1 UNION ALL SELECT CAST(hash(s, t) >> 1 AS BIGINT), value, 1 FROM vc"
    )
    con.register("want", want.assign(i=np.arange(len(want))))
    keys = con.execute("SELECT CAST(hash(s, t) >> 1 AS BIGINT) AS h FROM want ORDER BY i")
    hashes = np.append(keys.fetchnumpy()["h"], 12345)  # and a key without values
    got = hash_value_quantiles(con, "stacked", hashes, levels=(0.1, 0.5, 0.9), scale=60e9)
    for q in ("q0.1", "q0.5", "q0.9"):
        assert got[q].iloc[:-1].tolist() == want[q].tolist()
        assert np.isnan(got[q].iloc[-1])  # a key without values has no quantile
    # and numpy's own quantile of the repeated values, for one pair
    one = frame[(frame["s"] == "a") & (frame["t"] == "x")]
    ref = np.quantile(np.repeat(one["value"].to_numpy() / 60e9, one["n"].to_numpy()), 0.9)
    row = want.index[(want["s"] == "a") & (want["t"] == "x")][0]
    assert got["q0.9"].iloc[row] == ref
