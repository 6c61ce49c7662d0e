"""Shared by the scale engine's tests: the logs, run on the engine, and table equality.

Every log is read once per test run by :func:`analysis.logs.read_log` and
written to Parquet; tests take the prepared pandas log (the input of today's
tables) and the Parquet file (the engine's input) from the ``logs`` fixture.
Tests asking for ``log_name`` (and ``log_by``) run on every log: the real logs
of ``../shared/data``, the project's example log and hand-built edge cases.
The pandas tables are the reference as :func:`analysis.mining.mine` computes them:
on the prepared log with each case's events in path order (``path_order``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import _flow_order, prepare
from analysis.logs import read_log
from analysis.scale import build_events, connect, open_log
from analysis.scale.partials import combine, run_partials

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


def assert_table_equal(
    got: pd.DataFrame, expected: pd.DataFrame, *, keys: list[str], rank: list[str]
) -> None:
    """The tables are equal, rows in the same order, floats to 1e-9 relative.

    One difference of order is allowed, and checked to be that: pandas sums
    float minutes, so two groups whose exact totals tie (the engine then
    ranks them by the next column, then by where they first occur) can differ
    in pandas in the last bit, which then decides its order. Rows may swap
    only where their first ranking value (the float total) agrees to 1e-9.
    """
    pd.testing.assert_index_equal(got.columns, expected.columns)
    swapped = _row_keys(got, keys) != _row_keys(expected, keys)
    if swapped.any():
        assert rank, "rows in another order, in a table without float ranking"
        a, b = got.loc[swapped, rank[0]], expected.loc[swapped, rank[0]]
        assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-9, nan_ok=True), rank[0]
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


@pytest.fixture(scope="session")
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


def _cases() -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for name, by in [*REAL.items(), ("example", "centre")] + [(n, b) for n, (_, b) in TINY.items()]:
        out += [(name, None), (name, by)]
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests taking ``log_name`` on every log, with and without its ``log_by`` column."""
    if "log_name" not in metafunc.fixturenames:
        return
    if "log_by" in metafunc.fixturenames:
        metafunc.parametrize(("log_name", "log_by"), _cases())
    else:
        metafunc.parametrize("log_name", [*REAL, "example", *TINY])


def run_table(
    path: Path,
    partials_of: Callable[..., list],
    finish: Callable[..., pd.DataFrame],
    *,
    by: str | None = None,
    buckets: int = 0,
    **options: object,
) -> pd.DataFrame:
    """A table by the scale engine, in one partition or in ``buckets`` hash buckets of cases.

    Each partition's ``ev`` is built once per test run (the tables only read
    it); the partitions' partials are merged on a connection of their own,
    as a Dask client merges what its workers sent.
    """
    parts, partials = [], []
    for k in range(buckets) if buckets else [None]:
        con, log = _partition(path, by, buckets, k)
        partials = partials_of(log, by=by, **options)
        parts.append(run_partials(con, partials))
    merged = connect()
    combine(merged, parts, partials)
    return finish(merged, log, by=by, **options)


_PARTITIONS: dict[tuple[Path, str | None, int, int | None], tuple] = {}


def _partition(path: Path, by: str | None, buckets: int, k: int | None) -> tuple:
    key = (path, by, buckets, k)
    if key not in _PARTITIONS:
        where = None if k is None else f'hash("case:concept:name") % {buckets} = {k}'
        con, log = open_log(path, where=where)
        build_events(con, log, keep=(by,) if by else ())
        _PARTITIONS[key] = (con, log)
    return _PARTITIONS[key]


@pytest.fixture(scope="session")
def engine() -> Callable[..., pd.DataFrame]:
    """:func:`run_table`, for the test modules."""
    return run_table


def in_path_order(ev: pd.DataFrame) -> pd.DataFrame:
    """The prepared log with each case's events in path order, as mine() reads it.

    :func:`analysis.mining.mine` sorts the events of a case by start (then
    completion) before its tables, so a case's first and last step, and the
    order in which groups first occur, are those of its path; the standalone
    pandas functions read the completion order they are given. The two differ
    on logs with start times where a later-finishing step began first.
    """
    order = _flow_order(ev)
    return ev if np.array_equal(order, np.arange(len(ev))) else ev.iloc[order]


@pytest.fixture(scope="session")
def path_order() -> Callable[[pd.DataFrame], pd.DataFrame]:
    """:func:`in_path_order`, for the test modules."""
    return in_path_order


@pytest.fixture(scope="session")
def table_equal() -> Callable[..., None]:
    """:func:`assert_table_equal`, for the test modules."""
    return assert_table_equal
