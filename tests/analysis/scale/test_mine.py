"""mine_source: every table of the scale engine equals mine()'s.

Each log is read with read_log, written to Parquet and mined both ways:
``analysis.mining.mine(log, causes=False)`` in pandas and
:func:`analysis.scale.mine.mine_source` on DuckDB. Float figures agree to
``rtol=1e-9`` (pandas sums float minutes, the engine integer nanoseconds);
every table of the result (summary, per-case table, activities, transitions,
profiles, work in progress, workload, the flow tables, the grouped tables and
the league table) is mine()'s, on every test log: the real ones (the interval
log and the simulated one-door centre have start times, the example log too)
and hand-built ones where a step that began later finished earlier, so that
the path order and the completion order disagree. Run on hash buckets of cases
(three, or a runner of its own taking them in reverse order) the engine gives
identical results, bit for bit.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.logs import read_log
from analysis.mining import mine
from analysis.queues import NO_PRESENCE
from analysis.scale import build_events, connect, open_log
from analysis.scale.cases import case_kpi_finish
from analysis.scale.mine import NOT_AT_SCALE, bucket_where, mine_source, scale_partials
from analysis.scale.partials import combine, run_partials
from analysis.scale.summary import summary_finish
from analysis.schema import LogError

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"
LOGS = {
    "running-example.csv": None,
    "running-example.xes": "org:resource",
    "receipt.csv": "case:channel",
    "helpdesk.xes.gz": "support_section",
    "roadtraffic100traces.xes": None,
    "interval_event_log.csv": "org:group",
    "example": "centre",
    "one-door": "odsc:door",
}
_READ: dict[str, pd.DataFrame] = {}


def _read(name: str) -> pd.DataFrame:
    if name not in _READ:
        if name == "one-door":
            from journeys import load_catalog
            from simulations.engine import simulate

            frame = simulate(load_catalog("land-title-one-door"), days=20, seed=3).log
            _READ[name] = read_log(frame)
            return _READ[name]
        path = ROOT / "examples" / "odsc_example_log.csv" if name == "example" else DATA / name
        if not path.exists():
            pytest.skip(f"log {name} not available")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # set-aside rows are reported by the reader
            _READ[name] = read_log(path)
    return _READ[name]


def _parquet(log: pd.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    return path


def _same_figure(got, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return type(got) is type(want) and got == want


#: The tables of a MiningResult the scale engine computes, and those it computes per group.
TABLES = (
    "activities",
    "transitions",
    "profiles",
    "wip",
    "resources",
    "handoffs",
    "handoff_matrix",
    "resource_handoffs",
    "pingpongs",
    "variants",
    "rework",
)
GROUPED = ("activities", "transitions", "handoffs", "pingpongs", "variants", "rework")
GROUPED += ("profiles", "wip")


def _check_against_mine(name: str, tmp_path: Path) -> None:
    log = _read(name)
    by = LOGS.get(name)
    want = mine(log, by=by, causes=False)
    got = mine_source(_parquet(log, tmp_path), by=by)
    _check_result(got, want, by)


def _check_result(got, want, by: str | None) -> None:
    """Every figure and table of the scale engine's result is mine()'s."""
    assert list(got.summary.index) == list(want.summary.index)
    for key in want.summary.index:
        assert _same_figure(got.summary[key], want.summary[key]), (
            key,
            got.summary[key],
            want.summary[key],
        )
    for table in TABLES:
        _same_table(getattr(got, table), getattr(want, table), table)
    assert list(got.grouped) == (list(GROUPED) if by else [])
    assert list(want.grouped) == list(got.grouped)
    for table in got.grouped:
        expected = want.grouped[table]
        if table == "handoffs":
            # analysis.handoffs._mode drops the rows of a missing group (its groupby
            # keeps the default dropna=True), so pandas leaves their carrier NaN where
            # it means "no carrier" (""), which the engine gives
            expected = expected.assign(carrier=expected["carrier"].fillna(""))
        if table == "wip" and expected[by].dtype == object:
            # pandas stacks its groups with the group value inserted as a scalar: a missing
            # value makes the column object; the engine keeps the log's string dtype
            expected = expected.assign(**{by: expected[by].astype(got.grouped[table][by].dtype)})
        _same_table(got.grouped[table], expected, f"grouped {table}")
    pd.testing.assert_frame_equal(got.case_kpis, want.case_kpis, rtol=1e-9)
    if by:
        pd.testing.assert_frame_equal(got.groups, want.groups, rtol=1e-9)
    else:
        assert got.groups is None
    assert got.notes[: len(want.notes)] == want.notes
    assert got.notes[-1] == NOT_AT_SCALE


def _same_table(got: pd.DataFrame, want: pd.DataFrame, name: str) -> None:
    if want.empty and not len(want.columns):
        assert got.empty, name
    elif want.empty and all(t is np.dtype(object) for t in want.dtypes):  # mine's empty one
        assert got.empty and list(got.columns) == list(want.columns), name
    else:
        pd.testing.assert_frame_equal(got, want, rtol=1e-9, obj=name)


@pytest.mark.parametrize("name", [n for n in LOGS])
def test_mine_source_equals_mine(name, tmp_path):
    _check_against_mine(name, tmp_path)


@pytest.mark.slow
def test_mine_source_equals_mine_on_bpic2012(tmp_path, real_log):
    LOGS["bpic2012.xes.gz"] = None
    _READ["bpic2012.xes.gz"] = real_log(DATA / "bpic2012.xes.gz")  # read once per run
    try:
        _check_against_mine("bpic2012.xes.gz", tmp_path)
        path = tmp_path / "log.parquet"
        one, three = mine_source(path), mine_source(path, parts=3)
        pd.testing.assert_frame_equal(three.case_kpis, one.case_kpis, check_exact=True)
        pd.testing.assert_series_equal(three.summary, one.summary, check_exact=True)
    finally:
        LOGS.pop("bpic2012.xes.gz")
        _READ.pop("bpic2012.xes.gz", None)


def _reversed_runner(n: int):
    """A runner of its own (as a Dask runner is): buckets in reverse order, each alone."""

    def run(source, partials, keep):
        out = []
        for k in reversed(range(n)):
            con, log = open_log(source, con=connect(threads=1), where=bucket_where(k, n))
            build_events(con, log, keep=keep)
            out.append(run_partials(con, partials))
            con.close()
        return out

    return run


@pytest.mark.parametrize("name", ["receipt.csv", "helpdesk.xes.gz", "example", "one-door"])
def test_buckets_give_identical_results(name, tmp_path):
    path = _parquet(_read(name), tmp_path)
    by = LOGS[name]
    one = mine_source(path, by=by)
    for parts in (3, _reversed_runner(4)):
        split = mine_source(path, by=by, parts=parts)
        pd.testing.assert_series_equal(split.summary, one.summary, check_exact=True)
        pd.testing.assert_frame_equal(split.case_kpis, one.case_kpis, check_exact=True)
        pd.testing.assert_frame_equal(split.groups, one.groups, check_exact=True)
        assert split.notes == one.notes


@pytest.mark.parametrize("name", ["receipt.csv", "one-door", "running-example.csv"])
def test_summary_with_the_flow_tables_equals_mine(name, tmp_path):
    # The seam the flow tables plug into: given those tables, every figure is mine()'s.
    log = _read(name)
    want = mine(log, causes=False)
    con, slog = open_log(_parquet(log, tmp_path))
    partials = scale_partials(slog)
    build_events(con, slog)
    combine(con, [run_partials(con, partials)], partials)
    got = summary_finish(
        con,
        slog,
        case_kpi_finish(con, slog),
        handoffs=want.handoffs,
        pingpongs=want.pingpongs,
        variants=want.variants,
    )
    assert list(got.index) == list(want.summary.index)
    for key in want.summary.index:
        assert _same_figure(got[key], want.summary[key]), (key, got[key], want.summary[key])


def test_queue_standard_unknown_without_presence(tmp_path):
    s = mine_source(_parquet(_read("interval_event_log.csv"), tmp_path)).summary
    assert math.isnan(s["queue_waits"]) and math.isnan(s["queue_within_sla"])
    assert s["queue_unchecked"] == NO_PRESENCE


def test_queue_standard_measured_on_the_one_door_centre(tmp_path):
    log = _read("one-door")
    s = mine_source(_parquet(log, tmp_path), sla_minutes=10).summary
    want = mine(log, sla_minutes=10, causes=False).summary
    assert s["queue_unchecked"] is None and s["queue_waits"] == want["queue_waits"] > 40
    assert s["queue_within_sla"] == want["queue_within_sla"]
    assert 0 < s["queue_within_sla"] < 1


def test_league_table_on_a_tiny_log(tmp_path):
    t = lambda *v: pd.to_datetime(list(v), utc=True)  # noqa: E731
    log = pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
            "concept:name": ["a", "b", "a", "b", "a"],
            "time:timestamp": t(
                "2024-01-01 08:00",
                "2024-01-01 08:10",
                "2024-01-01 08:00",
                "2024-01-01 09:00",
                "2024-01-01 10:00",
            ),
            "org:group": ["x", "y", "x", "y", "x"],
            "centre": ["A", "A", "B", "B", "B"],
        }
    )
    log["start_timestamp"] = log["time:timestamp"]
    log["odsc:citizen_present"] = True
    g = mine_source(_parquet(log, tmp_path), by="centre").groups
    assert g.index.tolist() == ["A", "B"]
    assert g["rank"].tolist() == [1, 2] and g["cases"].tolist() == [1, 1]
    assert g["lead_median"].tolist() == [10.0, 120.0]
    assert g["pingpong_rate"].tolist() == [0.0, 1.0]
    assert g["sla_share"].tolist() == [1.0, 0.0]


def test_bad_inputs_are_one_line(tmp_path):
    path = _parquet(_read("running-example.csv"), tmp_path)
    with pytest.raises(LogError, match=r"column 'centre' is not in the log \(columns: "):
        mine_source(path, by="centre")
    with pytest.raises(LogError, match=r"^tz 'Lao/Vientiane': not a known IANA time zone"):
        mine_source(path, tz="Lao/Vientiane")
    with pytest.raises(LogError, match=r"no such file or folder"):
        mine_source(tmp_path / "missing")


@pytest.mark.parametrize("kind", ["text with gaps", "numbers"])
def test_league_table_with_missing_or_numeric_groups(kind, tmp_path):
    log = _read("one-door").copy()
    codes = pd.factorize(log["case:concept:name"])[0]
    if kind == "numbers":
        log["centre"] = codes % 3
    else:  # a fifth of the cases name no centre: a group of their own, as in pandas
        log["centre"] = pd.Series(codes % 2).map({0: "south", 1: "north"}).where(codes % 5 > 0)
    want = mine(log, by="centre", causes=False).groups
    got = mine_source(_parquet(log, tmp_path), by="centre", parts=2).groups
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)
    assert len(got) == 3 and got["sla_share"].notna().all()


def _hand_built() -> dict[str, tuple[pd.DataFrame, str | None]]:
    """The tiny logs of the pandas tests (test_mining, test_kpis), with exact answers there."""
    t = lambda v: pd.to_datetime(pd.Series(v), utc=True)  # noqa: E731
    rows = [
        ("c1", "apply", "2024-01-01 08:00", "2024-01-01 08:10", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 08:40", "2024-01-01 09:00", "tax", "bob", "A"),
        ("c1", "fix", "2024-01-01 10:00", "2024-01-01 10:05", "front", "ann", "A"),
        ("c1", "check", "2024-01-01 10:05", "2024-01-01 10:20", "tax", "bob", "A"),
        ("c2", "apply", "2024-01-02 09:00", "2024-01-02 09:20", "front", "cat", "B"),
        ("c2", "check", "2024-01-02 09:20", "2024-01-02 09:50", "tax", "bob", "B"),
    ]
    case, act, start, end, group, res, centre = zip(*rows)
    mining = pd.DataFrame(
        {
            "case:concept:name": case,
            "concept:name": act,
            "time:timestamp": t(list(end)),
            "start_timestamp": t(list(start)),
            "org:group": group,
            "org:resource": res,
            "centre": centre,
        }
    )
    rows = [
        ("A", "submit", "front", "03-04 08:00", "03-04 08:10", "odsc", True),
        ("A", "check", "tax", "03-04 08:40", "03-04 09:00", None, False),
        ("A", "collect", "front", "03-04 10:00", "03-04 10:05", "odsc", True),
        ("B", "submit", "front", "03-04 08:00", "03-04 08:15", "odsc", True),
        ("B", "submit", "front", "03-05 09:00", "03-05 09:20", "odsc", True),
        ("B", "pay", "treasury", "03-05 09:30", "03-05 09:35", "treasury", True),
        ("C", "submit", "front", None, "03-04 11:00", "odsc", True),
    ]
    kpis = pd.DataFrame(
        rows,
        columns=[
            "case:concept:name",
            "concept:name",
            "org:group",
            "start_timestamp",
            "time:timestamp",
            "odsc:door",
            "odsc:citizen_present",
        ],
    )
    for col in ("start_timestamp", "time:timestamp"):
        kpis[col] = pd.to_datetime("2024-" + kpis[col], utc=True)
    return {
        "mining": (mining, "centre"),
        "kpis": (kpis, "odsc:door"),
        "paths": (_paths(), "centre"),
    }


def _paths() -> pd.DataFrame:
    """Start and complete rows where a step that began later finished earlier.

    L1: check starts at 08:20 and ends at 09:30, scan runs from 08:30 to 08:50
    inside it: the path is submit, check, scan; the completions submit, scan,
    check. L2: intake (centre North) starts before pay (South) but ends a day
    later. Every clerk does one step, so the workload ties everywhere and its
    rows are in the order the clerks first occur along the paths.
    """
    rows = [
        ("L1", "submit", "start", "03-04 08:00", "front", "ann", "South"),
        ("L1", "submit", "complete", "03-04 08:10", "front", "ann", "South"),
        ("L1", "check", "start", "03-04 08:20", "tax", "bob", "South"),
        ("L1", "scan", "start", "03-04 08:30", "front", "cat", "South"),
        ("L1", "scan", "complete", "03-04 08:50", "front", "cat", "South"),
        ("L1", "check", "complete", "03-04 09:30", "tax", "bob", "South"),
        ("L2", "intake", "start", "03-05 09:00", "front", "dan", "North"),
        ("L2", "pay", "start", "03-05 09:10", "treasury", "eve", "South"),
        ("L2", "pay", "complete", "03-05 09:20", "treasury", "eve", "South"),
        ("L2", "intake", "complete", "03-06 10:00", "front", "dan", "North"),
    ]
    columns = ["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp"]
    frame = pd.DataFrame(rows, columns=[*columns, "org:group", "org:resource", "centre"])
    frame["time:timestamp"] = pd.to_datetime("2024-" + frame["time:timestamp"], utc=True)
    return frame


@pytest.mark.parametrize("name", ["mining", "kpis", "paths"])
def test_hand_built_logs_equal_mine(name, tmp_path):
    frame, by = _hand_built()[name]
    log = read_log(frame)
    for group in (None, by):
        want = mine(log, by=group, causes=False)
        got = mine_source(_parquet(log, tmp_path), by=group, parts=2)
        _check_result(got, want, group)


def test_first_and_last_steps_follow_the_path(tmp_path):
    log = read_log(_paths())
    got = mine_source(_parquet(log, tmp_path), by="centre")
    acts = got.activities.set_index("activity")
    # in completion order the cases would start with submit and pay, end with check and intake
    assert acts["starts"].to_dict() == {"scan": 0, "submit": 1, "check": 0, "intake": 1, "pay": 0}
    assert acts["ends"].to_dict() == {"scan": 1, "submit": 0, "check": 0, "intake": 0, "pay": 1}
    assert got.resources["resource"].tolist() == ["ann", "bob", "cat", "dan", "eve"]
    arrivals = got.profiles[got.profiles["arrivals"] > 0][["day", "hour", "arrivals"]]
    assert arrivals.values.tolist() == [["Mon", 8, 1], ["Tue", 9, 1]]
    # L2 belongs to the centre of its first step along the path (intake: North)
    assert got.groups["cases"].to_dict() == {"South": 1, "North": 1}
    wip = got.grouped["wip"]
    assert wip[["centre", "open", "started", "finished"]].values.tolist() == [
        ["South", 1, 1, 1],
        ["North", 1, 1, 0],
        ["North", 1, 0, 1],
    ]


@pytest.mark.parametrize(
    ("name", "by"), [("tiny", "centre"), ("edge", "centre"), ("bare", "channel")]
)
def test_the_edge_logs_of_the_table_tests_equal_mine(logs, name, by):
    # ties in time, overlaps, one-event cases, missing starts, clerks and groups (conftest)
    ev, path = logs(name)
    for group in (None, by):
        want = mine(ev, by=group, causes=False)
        _check_result(mine_source(path, by=group, parts=2), want, group)
