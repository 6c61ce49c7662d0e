"""Benchmark: mining a national-size log, ours against pm4py (pandas and polars) and DuckDB.

For each size of ``--events`` (a comma list, ``1e6,1e7``), a seeded synthetic
log (12 activities, 5 agencies, start and completion times at whole seconds,
clerks; one case per 10 events) is generated block by block and written
straight to Parquet, so that 50 million events are never held in memory:

* a hive-partitioned folder, ``hive/month=2024-01/part-00000-0.parquet``: a
  case belongs to the month its first step started in, so every case is in
  exactly one partition (one file per month and generated chunk);
* one single file, ``log.parquet``, when a side that reads one file runs at
  that size (pm4py on pandas reads one file).

The data is cached in a folder keyed by size, seed and generator version
(``--data DIR`` keeps it between runs; by default a temporary folder is used
and removed). Generation time is printed apart: it is in nobody's figure.

Then each side runs in a child process of its own, started fresh, and is
timed from reading the Parquet to its result:

* **ours**: ``analysis.scale.mine_source`` on the hive folder when that module
  exists (the DuckDB engine), otherwise ``analysis.logs.read_log`` of the
  single file and ``analysis.mining.mine(causes=False)``. Either way the whole
  report without rendering: KPIs, bottlenecks, agency and resource handoffs,
  variants, findings. The table names the one that ran.
* **pm4py pandas**: ``pandas.read_parquet``, ``pm4py.format_dataframe``,
  ``pm4py.discover_performance_dfg`` and ``pm4py.discover_network_analysis``
  (agency handoffs, ``performance=True``).
* **pm4py polars**: ``polars.scan_parquet`` (a LazyFrame) and
  ``pm4py.discover_performance_dfg`` on it; pm4py's network analysis does not
  take polars, so the agency handoffs are computed as on the pandas side on
  the collected frame (``collect().to_pandas()``, ``format_dataframe``,
  ``discover_network_analysis``), timed and included. The DFG-only time is a
  row of its own. (pm4py 2.7 also takes LazyFrames in ``discover_dfg``,
  ``get_start_activities``/``get_end_activities``, ``get_variants``,
  ``get_all_case_durations``, ``get_rework_cases_per_activity`` and the
  filters; none of them is timed here, for like with the pandas side.)
* **bare DuckDB**: one SQL query over the Parquet computing only the
  performance DFG (``LAG`` over the case ordered by time, ``GROUP BY`` the
  pair, count, mean and median of the transition time): the practical lower
  bound of any engine.

The transition time of a pair ``a -> b`` is pm4py's: the start of ``b`` minus
the completion of ``a`` (completion to completion when the log has no start
times), events of a case ordered by start, then completion. pm4py's polars
path truncates each transition to whole seconds (``dt.total_seconds()``),
which is why the synthetic times are whole seconds: the three DFGs are then
equal, and the run checks it at the sizes up to ``--check-up-to``.

Peak memory is the child's peak resident set size: ``VmHWM`` of
``/proc/self/status``, plus ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` for
processes the side spawned. (``ru_maxrss`` of ``RUSAGE_SELF`` is not used on
Linux: a process started by ``subprocess`` inherits its parent's peak in it.)
A side whose estimated peak exceeds the memory available (``--memory``) is
not run, and the table says so with the estimate.

Targets (issue 13): at 10M events ours at most 0.25 x pm4py's faster path and
under 3,000 MB peak; 50M events mined on one 24 GB machine; at 1M events at
most 3 x the bare DuckDB query. Run::

    python bench/bench_mining.py --events 1e6            # the quick run
    python bench/bench_mining.py --events 1e6,1e7 --data ~/bench-data --json out.json
    python bench/bench_mining.py --events 5e7 --data ~/bench-data
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SIDES",
    "Plan",
    "agreement",
    "duckdb_dfg",
    "iter_chunks",
    "main",
    "make_log",
    "ours",
    "parse_events",
    "plan_log",
    "pm4py_pandas",
    "pm4py_polars",
    "verdicts",
    "write_dataset",
]

ACTIVITIES = (
    "Register application",
    "Check identity",
    "Check documents",
    "Request missing papers",
    "Police clearance",
    "Land record check",
    "Environmental check",
    "Tax registration",
    "Fee assessment",
    "Pay fee",
    "Approve",
    "Hand over certificate",
)
AGENCIES = ("Front office", "Home Affairs", "Police", "Natural Resources", "Finance")
# The agency of each activity (index into AGENCIES).
_AGENCY_OF = np.array([0, 0, 1, 0, 2, 3, 3, 4, 4, 4, 1, 0])
_CLERKS_PER_AGENCY = 8
#: Cases per random block: each block draws from its own stream, so any chunking of
#: the blocks gives the same log.
BLOCK_CASES = 10_000
#: Bumped whenever the generated log changes, so cached data is never reused wrongly.
GENERATOR_VERSION = 2
_T0 = np.datetime64("2024-01-01T00:00:00", "s")

CASE, ACTIVITY, COMPLETE, START = "case:concept:name", "concept:name", "time:timestamp", "start_timestamp"
AGENCY, RESOURCE = "org:group", "org:resource"

#: The sides, in the order they run, and what each computes.
SIDES = {
    "ours": "the whole mining result (KPIs, bottlenecks, handoffs, variants, findings)",
    "pm4py pandas": "read_parquet + format_dataframe + performance DFG + agency network analysis",
    "pm4py polars": "scan_parquet + performance DFG on the LazyFrame; network analysis on "
    "the collected pandas frame (pm4py has none for polars), timed and included",
    "bare DuckDB": "one SQL query: the performance DFG only (count, mean, median per pair)",
}
_SIDE_KEYS = {"ours": "ours", "pandas": "pm4py pandas", "polars": "pm4py polars",
              "duckdb": "bare DuckDB"}  # fmt: skip

# Peak memory estimates, MB = base + per-event bytes x events / 2**20, measured on the
# synthetic log at 200,000 and 1,000,000 events (see the README). Used to skip a side
# that cannot fit; a measurement at a smaller size in the same run replaces them.
_ESTIMATE = {
    "ours (fallback)": (205.0, 425.0),
    "pm4py pandas": (295.0, 1_200.0),
    "pm4py polars": (360.0, 900.0),
}
#: The share of the available memory a side may be estimated to use (the rest is headroom
#: for the estimate's error and the machine's other work).
_HEADROOM = 0.8


# --- the synthetic log ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many cases and events each random block of the log holds.

    Attributes
    ----------
    events, cases, seed : int
    block_cases, block_events : numpy.ndarray
        Per block: its cases and its events (both sum to the totals).
    """

    events: int
    cases: int
    seed: int
    block_cases: np.ndarray
    block_events: np.ndarray

    @property
    def width(self) -> int:
        """Digits of the case numbers (``case-000042``)."""
        return max(6, len(str(self.cases - 1)))


def plan_log(
    events: int, *, cases: int | None = None, seed: int = 42, block_cases: int = BLOCK_CASES
) -> Plan:
    """Split ``events`` over the cases and the cases into random blocks.

    Every case has at least 3 events; the remaining events are spread over
    the cases at random (a multinomial, drawn first over the blocks, then
    within each block: the same law as one draw over all cases).

    Examples
    --------
    >>> p = plan_log(1_000, seed=1, block_cases=40)
    >>> p.cases, p.block_cases.tolist(), int(p.block_events.sum())
    (100, [40, 40, 20], 1000)
    """
    n_cases = cases or max(1, events // 10)
    if events < 3 * n_cases:
        raise ValueError(f"{events} events cannot make {n_cases} cases of at least 3 events")
    sizes = np.full(n_cases // block_cases, block_cases, dtype=np.int64)
    if n_cases % block_cases:
        sizes = np.append(sizes, n_cases % block_cases)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    extra = rng.multinomial(events - 3 * n_cases, sizes / n_cases)
    return Plan(events, n_cases, seed, sizes, 3 * sizes + extra)


def _block(plan: Plan, b: int) -> pd.DataFrame:
    """The events of block ``b``, from its own random stream."""
    n = int(plan.block_cases[b])
    m = int(plan.block_events[b])
    offset = int(plan.block_cases[:b].sum())
    rng = np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(b,)))
    lengths = rng.multinomial(m - 3 * n, np.full(n, 1.0 / n)) + 3
    case_of = np.repeat(np.arange(n), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = np.zeros(m, dtype=bool)
    first[starts] = True

    moves = rng.choice(np.array([1, 2, 0, -1]), size=m, p=[0.70, 0.15, 0.10, 0.05])
    moves[first] = 0
    act = np.clip(_per_case_cumsum(moves, starts, lengths), 0, len(ACTIVITIES) - 1)
    agency = _AGENCY_OF[act]
    clerk = agency * _CLERKS_PER_AGENCY + rng.integers(0, _CLERKS_PER_AGENCY, size=m)

    # Whole seconds: waits exponential (mean 4 h), work exponential (mean 20 min) + 1 min.
    wait = np.rint(rng.exponential(240.0 * 60, size=m)).astype(np.int64)
    wait[first] = 0
    work = np.rint((rng.exponential(20.0, size=m) + 1.0) * 60).astype(np.int64)
    done = _per_case_cumsum(wait + work, starts, lengths)  # seconds since the case began
    begin = rng.integers(0, 365 * 86_400, size=n)[case_of]
    complete = _T0 + (begin + done).astype("timedelta64[s]")
    start = complete - work.astype("timedelta64[s]")

    numbers = np.arange(offset, offset + n).astype(str)
    case_ids = np.char.add("case-", np.char.zfill(numbers, plan.width))
    return pd.DataFrame(
        {
            CASE: case_ids[case_of].astype(object),
            ACTIVITY: np.asarray(ACTIVITIES, dtype=object)[act],
            COMPLETE: pd.DatetimeIndex(complete.astype("datetime64[ns]")).tz_localize("UTC"),
            START: pd.DatetimeIndex(start.astype("datetime64[ns]")).tz_localize("UTC"),
            AGENCY: np.asarray(AGENCIES, dtype=object)[agency],
            RESOURCE: np.char.add("clerk-", clerk.astype(str)).astype(object),
        }
    )


def _per_case_cumsum(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    before = np.repeat(total[starts] - values[starts], lengths)
    return total - before


def iter_chunks(
    events: int,
    *,
    cases: int | None = None,
    seed: int = 42,
    chunk_events: int = 1_000_000,
    block_cases: int = BLOCK_CASES,
) -> Iterator[pd.DataFrame]:
    """The log of :func:`make_log`, in chunks of whole blocks of about ``chunk_events``.

    Only one chunk is in memory at a time; concatenated, the chunks are
    :func:`make_log` of the same arguments, row for row.

    Examples
    --------
    >>> chunks = list(iter_chunks(1_000, seed=1, chunk_events=300, block_cases=20))
    >>> [len(c) for c in chunks][:2], sum(len(c) for c in chunks)
    ([384, 418], 1000)
    """
    plan = plan_log(events, cases=cases, seed=seed, block_cases=block_cases)
    parts: list[pd.DataFrame] = []
    held = 0
    for b in range(len(plan.block_cases)):
        parts.append(_block(plan, b))
        held += len(parts[-1])
        if held >= chunk_events:
            yield pd.concat(parts, ignore_index=True)
            parts, held = [], 0
    if parts:
        yield pd.concat(parts, ignore_index=True)


def make_log(
    events: int = 1_000_000,
    *,
    cases: int | None = None,
    seed: int = 42,
    block_cases: int = BLOCK_CASES,
) -> pd.DataFrame:
    """A synthetic canonical log with exactly ``events`` rows (vectorised numpy).

    Each case walks the 12 activities mostly forward (one step on 70% of
    moves, a skip on 15%, a repeat on 10%, a step back on 5%); waiting before
    a step is exponential (mean 4 h), processing exponential (mean 20 min)
    plus one minute; times are whole seconds; a case begins at a uniform time
    of 2024. Cases are drawn in blocks of ``block_cases``, each from its own
    random stream (``SeedSequence(seed, spawn_key=(block,))``), so
    :func:`iter_chunks` can write any size chunk by chunk.

    Examples
    --------
    >>> log = make_log(1_000, seed=1)
    >>> len(log), log["case:concept:name"].nunique(), log["org:group"].nunique()
    (1000, 100, 5)
    >>> log.iloc[0][["case:concept:name", "concept:name"]].tolist()
    ['case-000000', 'Register application']
    """
    return pd.concat(
        iter_chunks(events, cases=cases, seed=seed, chunk_events=events, block_cases=block_cases),
        ignore_index=True,
    )


def _months(chunk: pd.DataFrame) -> np.ndarray:
    """``YYYY-MM`` of the first start (or completion) of each event's case: its partition."""
    col = START if START in chunk else COMPLETE
    first = chunk.groupby(CASE, sort=False)[col].min()
    label = first.dt.strftime("%Y-%m").fillna("no-time")
    return chunk[CASE].map(label).to_numpy(dtype=str)


def write_dataset(
    folder: str | os.PathLike[str],
    events: int,
    *,
    seed: int = 42,
    single_file: bool = True,
    chunk_events: int = 1_000_000,
    block_cases: int = BLOCK_CASES,
) -> dict[str, object]:
    """Write the log of :func:`make_log` chunk by chunk: a hive folder and one file.

    Parameters
    ----------
    folder : path
        Created; receives ``hive/month=YYYY-MM/part-KKKKK-0.parquet`` (one
        file per month and chunk) and, with ``single_file``, ``log.parquet``.

    Returns
    -------
    dict
        ``events``, ``cases``, ``files`` (of the hive folder), ``months``,
        ``single_file``, ``seconds`` (generation and writing) and
        ``peak_mb`` (of this process so far).
    """
    t = time.perf_counter()
    chunks = iter_chunks(events, seed=seed, chunk_events=chunk_events, block_cases=block_cases)
    info = _write_chunks(Path(folder), chunks, single_file=single_file)
    return {**info, "seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}


def _write_chunks(out: Path, chunks: Iterator[pd.DataFrame], *, single_file: bool) -> dict:
    """Write case-contiguous chunks (no case in two chunks) as a hive folder and one file."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    hive = out / "hive"
    hive.mkdir(parents=True)
    writer = None
    events = cases = files = 0
    months: set[str] = set()
    for k, chunk in enumerate(chunks):
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        month = _months(chunk)
        months.update(np.unique(month).tolist())
        cases += int(chunk[CASE].nunique())
        events += len(chunk)
        del chunk
        if single_file:
            if writer is None:
                writer = pq.ParquetWriter(out / "log.parquet", table.schema)
            writer.write_table(table)
        ds.write_dataset(
            table.append_column("month", pa.array(month)),
            hive,
            format="parquet",
            partitioning=["month"],
            partitioning_flavor="hive",
            basename_template=f"part-{k:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            preserve_order=True,
        )
        files += len(np.unique(month))
    if writer is not None:
        writer.close()
    return {"events": events, "cases": cases, "files": files, "months": len(months),
            "single_file": single_file}  # fmt: skip


def write_log_dataset(
    folder: str | os.PathLike[str], log: str | os.PathLike[str], *, single_file: bool = True
) -> dict[str, object]:
    """Write a real log (read by ``analysis.logs.read_log``) as :func:`write_dataset` does.

    The log's events are grouped by case (in their order in the file), so
    each case is in one partition and one file.
    """
    from analysis.logs import read_log

    t = time.perf_counter()
    frame = read_log(log)  # before any folder is made: a bad log leaves nothing behind
    frame = frame.sort_values(CASE, kind="stable", ignore_index=True)
    frame.attrs = {}
    info = _write_chunks(Path(folder), iter([frame]), single_file=single_file)
    return {**info, "seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}


# --- the sides (each runs in a fresh child process) ------------------------------------

Dfg = dict[tuple[str, str], tuple[int, float, float]]  # pair -> (count, mean s, median s)


def _peak_mb() -> float:
    """This process's peak RSS in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _children_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _pm4py_dfg(perf: dict, freq: dict) -> Dfg:
    return {k: (int(freq[k]), float(v["mean"]), float(v["median"])) for k, v in perf.items()}


def _handoffs_pm4py(df: pd.DataFrame) -> object:
    import pm4py

    return pm4py.discover_network_analysis(
        df,
        out_column=CASE,
        in_column=CASE,
        node_column_source=AGENCY,
        node_column_target=AGENCY,
        edge_column=AGENCY,
        performance=True,
    )


def pm4py_pandas(path: str, *, check: bool = False) -> dict[str, object]:
    """pm4py on pandas: read, format, performance DFG, agency network analysis.

    Returns ``seconds``, ``peak_mb`` (at the end of the timed part) and, with
    ``check``, ``dfg`` (pm4py's ``discover_dfg`` counts added, untimed).
    """
    import pm4py

    t = time.perf_counter()
    df = pd.read_parquet(path)
    df = pm4py.format_dataframe(df, case_id=CASE, activity_key=ACTIVITY, timestamp_key=COMPLETE)
    perf = pm4py.discover_performance_dfg(df)[0]
    _handoffs_pm4py(df)
    out: dict[str, object] = {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}
    if check:
        out["dfg"] = _pm4py_dfg(perf, pm4py.discover_dfg(df)[0])
    return out


def _scan(source: str) -> object:
    import polars as pl

    if Path(source).is_dir():
        return pl.scan_parquet(f"{source}/**/*.parquet", hive_partitioning=True)
    return pl.scan_parquet(source)


def pm4py_polars(source: str, *, check: bool = False) -> dict[str, object]:
    """pm4py on a polars LazyFrame: the performance DFG, then the handoffs on pandas.

    Returns ``seconds`` (both parts), ``dfg_seconds`` (the DFG alone),
    ``peak_mb`` and, with ``check``, ``dfg``.
    """
    import pm4py

    t = time.perf_counter()
    lf = _scan(source)
    perf = pm4py.discover_performance_dfg(lf, case_id_key=CASE, activity_key=ACTIVITY,
                                          timestamp_key=COMPLETE)[0]  # fmt: skip
    dfg_seconds = time.perf_counter() - t
    df = lf.collect().to_pandas()
    df = pm4py.format_dataframe(df, case_id=CASE, activity_key=ACTIVITY, timestamp_key=COMPLETE)
    _handoffs_pm4py(df)
    out: dict[str, object] = {
        "seconds": time.perf_counter() - t,
        "dfg_seconds": dfg_seconds,
        "peak_mb": _peak_mb(),
    }
    if check:
        out["dfg"] = _pm4py_dfg(perf, pm4py.discover_dfg(lf)[0])
    return out


def _duckdb_source(source: str) -> str:
    return f"{source}/**/*.parquet" if Path(source).is_dir() else source


def duckdb_dfg(source: str, *, check: bool = True) -> dict[str, object]:
    """The performance DFG in one DuckDB query (the practical lower bound).

    Transition time: the start of the later event minus the completion of
    the earlier one, events ordered by start, then completion, then their
    order in the file (pm4py's definition and its stable sort; a case is in
    one file); completion to completion when there is no start column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...         "2024-01-01 08:00", "2024-01-01 08:30", "2024-01-01 10:00"], utc=True)})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     log.to_parquet(pathlib.Path(d) / "l.parquet")
    ...     r = duckdb_dfg(str(pathlib.Path(d) / "l.parquet"))
    >>> sorted(r["dfg"].items())
    [(('a', 'b'), (2, 2700.0, 2700.0)), (('b', 'b'), (1, 5400.0, 5400.0))]
    """
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    src = _duckdb_source(source)
    cols = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [src]).fetchall()}
    start = START if START in cols else COMPLETE
    rows = con.execute(
        f"""
        WITH e AS (
            SELECT LAG("{ACTIVITY}") OVER w AS a, "{ACTIVITY}" AS b,
                   epoch_ns("{start}") - epoch_ns(LAG("{COMPLETE}") OVER w) AS ns
            FROM read_parquet(?, file_row_number = true)
            WINDOW w AS (PARTITION BY "{CASE}"
                         ORDER BY "{start}", "{COMPLETE}", file_row_number))
        SELECT a, b, count(*), avg(ns) / 1e9, median(ns) / 1e9
        FROM e WHERE a IS NOT NULL GROUP BY a, b
        """,
        [src],
    ).fetchall()
    out: dict[str, object] = {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}
    if check:
        nan = math.nan  # a pair whose every transition time is missing (pm4py: NaN)
        out["dfg"] = {(a, b): (int(n), nan if mean is None else float(mean),
                               nan if med is None else float(med))
                      for a, b, n, mean, med in rows}  # fmt: skip
    return out


def ours(source: str, *, check: bool = False) -> dict[str, object]:
    """Our mining: ``analysis.scale.mine_source`` when present, else read_log + mine.

    Returns ``seconds``, ``peak_mb``, ``engine`` (which one ran) and, with
    ``check``, ``dfg`` (count and mean of the result's transitions; the
    median is ours over non-overlapping pairs only, so it is left out: NaN).
    """
    try:
        from analysis.scale import mine_source  # the DuckDB engine (issue 13)
    except ImportError:
        mine_source = None
    from analysis.logs import read_log
    from analysis.mining import mine

    t = time.perf_counter()
    if mine_source is not None:
        result = mine_source(source)
        engine = "analysis.scale.mine_source"
    else:
        result = mine(read_log(source), causes=False)
        engine = "read_log + mine(causes=False)"
    out: dict[str, object] = {
        "seconds": time.perf_counter() - t,
        "peak_mb": _peak_mb(),
        "engine": engine,
    }
    tr = getattr(result, "transitions", None)
    if check and tr is not None and {"source", "target", "count", "signed_mean"} <= set(tr):
        out["dfg"] = {
            (str(r.source), str(r.target)): (int(r.count), float(r.signed_mean) * 60, math.nan)
            for r in tr.itertuples()
        }
    return out


_RUN = {"ours": ours, "pm4py pandas": pm4py_pandas, "pm4py polars": pm4py_polars,
        "bare DuckDB": duckdb_dfg}  # fmt: skip


def _child(side: str, source: str, check: bool) -> None:
    out = _RUN[side](source, check=check)
    kids = _children_mb()
    out["children_mb"] = kids
    out["peak_mb"] = float(out["peak_mb"]) + kids
    if "dfg" in out:
        out["dfg"] = [[a, b, *v] for (a, b), v in out["dfg"].items()]
    print("RESULT " + json.dumps(out))


def _run_side(side: str, source: Path, *, check: bool, timeout: float, cwd: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", side, str(source)]
    if check:
        cmd.append("--check")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the side and anything it started
        proc.communicate()
        return {"status": f"timed out after {timeout:g} s (--timeout)"}
    line = next((x for x in stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        # the exception's own line: the last one not indented (tracebacks indent the rest)
        lines = [x for x in stderr.splitlines() if x.strip() and not x[0].isspace()]
        why = (lines or [f"exit status {proc.returncode}"])[-1]
        if proc.returncode == -signal.SIGKILL:
            why = "killed (out of memory?)"
        return {"status": f"failed: {why[:200]}"}
    out = json.loads(line.removeprefix("RESULT "))
    if "dfg" in out:
        out["dfg"] = {(a, b): (n, mean, med) for a, b, n, mean, med in out["dfg"]}
    out["status"] = "ok"
    return out


# --- comparing and judging --------------------------------------------------------------


def agreement(reference: Dfg, other: Dfg, *, medians: bool = True) -> dict[str, object]:
    """Compare two DFGs: the same pairs and counts, and the largest relative gaps.

    Examples
    --------
    >>> agreement({("a", "b"): (2, 50.0, 60.0)}, {("a", "b"): (2, 50.5, 60.0)})
    {'pairs': 1, 'same_pairs': True, 'same_counts': True, 'mean_rel': 0.01, 'median_rel': 0.0}
    """
    same_pairs = set(reference) == set(other)
    common = set(reference) & set(other)

    def gap(i: int) -> float:
        rel = []
        for k in common:
            a, b = reference[k][i], other[k][i]
            if a == b or (math.isnan(a) and math.isnan(b)):  # both missing: the same
                continue
            one_missing = math.isnan(a) or math.isnan(b)
            rel.append(math.inf if one_missing or a == 0 else abs(b - a) / abs(a))
        return float(max(rel, default=0.0))

    return {
        "pairs": len(reference),
        "same_pairs": same_pairs,
        "same_counts": same_pairs and all(reference[k][0] == other[k][0] for k in common),
        "mean_rel": gap(1),
        "median_rel": gap(2) if medians else None,
    }


#: (ratio or figure, bound, the size the target is set at; None: every size).
TARGETS = {
    "ours / min(pm4py)": (0.25, 10_000_000),
    "ours / bare DuckDB": (3.0, 1_000_000),
    "ours peak MB": (3_000.0, 10_000_000),
}


def verdicts(events: int, figures: dict[str, dict]) -> list[dict[str, object]]:
    """The ratios of one size and their verdict against the targets.

    ``figures`` maps each side to its child result (``seconds``,
    ``peak_mb``). A ratio whose sides did not both run is ``None`` (shown
    "not measured"), never 0.

    Examples
    --------
    >>> v = verdicts(10_000_000, {"ours": {"seconds": 2.0, "peak_mb": 900.0},
    ...     "pm4py pandas": {"seconds": 20.0}, "pm4py polars": {"seconds": 10.0}})
    >>> [(r["name"], r["value"], r["verdict"]) for r in v]  # doctest: +NORMALIZE_WHITESPACE
    [('ours / pm4py pandas', 0.1, ''), ('ours / pm4py polars', 0.2, ''),
     ('ours / pm4py polars DFG only', None, 'not measured'), ('ours / min(pm4py)', 0.2, 'PASS'), ('ours / bare DuckDB', None, 'not measured'),
     ('ours peak MB', 900.0, 'PASS')]
    """

    def secs(side: str) -> float | None:
        s = figures.get(side, {}).get("seconds")
        return float(s) if s is not None else None

    mine = secs("ours")
    pm4 = [s for s in (secs("pm4py pandas"), secs("pm4py polars")) if s is not None]
    values = {
        "ours / pm4py pandas": (mine, secs("pm4py pandas")),
        "ours / pm4py polars": (mine, secs("pm4py polars")),
        "ours / pm4py polars DFG only": (mine, figures.get("pm4py polars", {}).get("dfg_seconds")),
        "ours / min(pm4py)": (mine, min(pm4) if pm4 else None),
        "ours / bare DuckDB": (mine, secs("bare DuckDB")),
    }
    rows = []
    for name, (a, b) in values.items():
        value = a / b if a is not None and b else None
        rows.append(_judge(name, None if value is None else round(value, 4), events))
    peak = figures.get("ours", {}).get("peak_mb")
    rows.append(_judge("ours peak MB", None if peak is None else float(peak), events))
    if events >= 50_000_000:  # the target is that it runs at all on this machine
        ran = "ours" in figures
        rows.append({"name": "ours mined 5e7", "value": mine, "target": "runs here",
                     "verdict": "PASS" if ran else "MISS"})  # fmt: skip
    return rows


def _judge(name: str, value: float | None, events: int) -> dict[str, object]:
    bound, at = TARGETS.get(name, (None, None))
    if value is None:
        verdict = "not measured"
    elif bound is None:
        verdict = ""
    elif at is not None and events != at:
        verdict = f"(target at {at:.0e})".replace("e+0", "e")
    else:
        verdict = "PASS" if (value <= bound if "/" in name else value < bound) else "MISS"
    target = "" if bound is None else (f"<= {bound:g}" if "/" in name else f"< {bound:,.0f}")
    return {"name": name, "value": value, "target": target, "verdict": verdict}


def _estimate_mb(side: str, events: int, measured: dict[str, tuple[int, float]]) -> float | None:
    """Estimated peak MB of ``side`` at ``events``; None for the out-of-core sides."""
    base, per_event = _ESTIMATE.get(side, (None, None))
    if base is None:
        return None
    if side in measured and measured[side][0] < events:
        n0, p0 = measured[side]
        return base + max(p0 - base, 0.0) * events / n0
    return base + per_event * events / 2**20


def _available_mb() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) / 2**20


# --- the command line -------------------------------------------------------------------


def parse_events(text: str, *, option: str = "--events") -> list[int]:
    """Sizes from a comma list of numbers in any float notation.

    Examples
    --------
    >>> parse_events("1e6, 2.5e5,300")
    [1000000, 250000, 300]
    >>> parse_events("1e6,abc")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --events: 'abc' is not a number (give e.g. 1e6,1e7)
    """
    from journeys.errors import InputError

    sizes = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            raise InputError(f"{option}: {part!r} is not a number (give e.g. 1e6,1e7)") from None
        if not (10 <= value <= 1e9) or value != int(value):
            raise InputError(f"{option}: {part!r} is not a whole number from 10 to 1e9")
        sizes.append(int(value))
    return sizes


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2 (no usage block)
        self.exit(2, f"{self.prog}: {message}\n")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = _Parser(prog="bench_mining.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", help="sizes, a comma list (default 1e6)")
    p.add_argument("--log", metavar="FILE", help="benchmark this event log (any file "
                   "read_log reads) instead of the synthetic one")  # fmt: skip
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", metavar="DIR", help="keep the generated Parquet here (a cache)")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE.json")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per side (3600)")
    p.add_argument("--sides", default="ours,pandas,polars,duckdb",
                   help="of ours, pandas, polars, duckdb (default all)")  # fmt: skip
    p.add_argument("--check-up-to", default="1e6", metavar="N",
                   help="compare the sides' DFGs at sizes up to N (default 1e6)")  # fmt: skip
    p.add_argument("--memory", type=float, metavar="GB",
                   help="memory a side may use (default: 80%% of the memory available now)")  # fmt: skip
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _validate(args: argparse.Namespace) -> dict[str, Any]:
    """The options, checked before any work (InputError names the option)."""
    from journeys.errors import InputError
    from odsc.files import check_folder, check_output

    if args.log is not None and args.events is not None:
        raise InputError("--log and --events: give one of them (a real log has its own size)")
    sizes = parse_events(args.events or "1e6")
    if args.log is not None and not Path(args.log).is_file():
        raise InputError(f"--log: {args.log}: no such file")
    check_up_to = parse_events(args.check_up_to, option="--check-up-to")
    if len(check_up_to) != 1:
        raise InputError(f"--check-up-to: {args.check_up_to!r}: give one number")
    sides = [x.strip() for x in args.sides.split(",")]
    unknown = [s for s in sides if s not in _SIDE_KEYS]
    if unknown or "ours" not in sides:
        raise InputError(f"--sides: {args.sides!r}: give ours and any of pandas, polars, duckdb")
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise InputError(f"--timeout: {args.timeout:g} is not a positive number of seconds")
    if args.memory is not None and not (args.memory > 0 and math.isfinite(args.memory)):
        raise InputError(f"--memory: {args.memory:g} is not a positive number of GB")
    if args.json is not None:
        check_output(args.json, {".json": "json"})
    if args.data is not None:
        if Path(args.data).exists() and not Path(args.data).is_dir():
            raise InputError(f"--data: {args.data}: is a file, not a folder")
        check_folder(args.data, output=f"--data: {args.data}")
    memory = args.memory * 1024 if args.memory is not None else _HEADROOM * _available_mb()
    wanted = [_SIDE_KEYS[s] for s in _SIDE_KEYS if s in sides]
    return {"sizes": sizes, "check_up_to": check_up_to[0], "sides": wanted, "memory_mb": memory}


def _dataset(root: Path, events: int | None, seed: int, single_file: bool,
             log: Path | None = None) -> tuple[Path, dict, bool]:  # fmt: skip
    """The cached Parquet of one size or log (written when missing): folder, manifest, reused."""
    from journeys.errors import InputError

    if log is None:
        key = root / f"mining-events{events}-seed{seed}-v{GENERATOR_VERSION}"
    else:  # a real log: keyed by its name, size and modification time
        st = log.stat()
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in log.name)
        key = root / f"log-{name}-{st.st_size}-{st.st_mtime_ns}-v{GENERATOR_VERSION}"
    manifest = key / "manifest.json"
    if manifest.exists():
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if info.get("single_file") or not single_file:
            return key, info, True
    elif key.exists():
        raise InputError(f"--data: {key} exists and is not this benchmark's data; remove it")
    partial = key.with_name(key.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # an interrupted run's leftovers
    try:
        if log is None:
            info = write_dataset(partial, events, seed=seed, single_file=single_file)
        else:
            info = write_log_dataset(partial, log, single_file=single_file)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # nothing half-written is left
        raise
    (partial / "manifest.json").write_text(json.dumps(info), encoding="utf-8")
    if key.exists():  # reused before without the single file
        shutil.rmtree(key)
    partial.rename(key)
    return key, info, False


def _engine() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("analysis.scale") is not None
    except ImportError:
        return False


def _skips(events: int, opts: dict, engine: bool, measured: dict) -> dict[str, dict]:
    """The sides that would not fit in memory at ``events``, with the reason."""
    sides: dict[str, dict] = {}
    for side in opts["sides"]:
        key = "ours (fallback)" if side == "ours" and not engine else side
        need = _estimate_mb(key, events, measured)
        if need is not None and need > opts["memory_mb"]:
            sides[side] = {"status": f"not run: needs ~{need / 1024:.0f} GB, "
                           f"{opts['memory_mb'] / 1024:.0f} GB may be used (--memory)"}  # fmt: skip
    return sides


def _run_size(events: int | None, root: Path, opts: dict, args: argparse.Namespace,
              measured: dict[str, tuple[int, float]], log: Path | None = None) -> dict:  # fmt: skip
    engine = _engine()
    if log is None:
        sides = _skips(events, opts, engine, measured)
        # one file for pm4py pandas, and for our fallback (read_log reads one file)
        single = ("pm4py pandas" in opts["sides"] and "pm4py pandas" not in sides) or (
            not engine and "ours" not in sides
        )
        folder, info, reused = _dataset(root, events, args.seed, single)
        what = "log"
    else:
        folder, info, reused = _dataset(root, None, args.seed, True, log=log)
        events = int(info["events"])
        sides = _skips(events, opts, engine, measured)
        what = f"log {log.name}:"
    print(f"{what} {events:,} events, {info['cases']:,} cases: hive folder of {info['files']} "
          f"files over {info['months']} months" + (" and one file" if info["single_file"] else "")
          + (", reused from " if reused else f", generated in {info['seconds']:.1f} s "
             f"(peak {info['peak_mb']:,.0f} MB) in ") + str(folder), flush=True)  # fmt: skip
    file = folder / "log.parquet"
    check = events <= opts["check_up_to"]
    for side in opts["sides"]:
        if side in sides:
            continue
        if side == "ours":
            source = folder / "hive" if engine else file
        elif side == "pm4py pandas":
            source = file
        else:
            source = file if file.exists() else folder / "hive"
        out = _run_side(side, source, check=check, timeout=args.timeout, cwd=folder)
        out["reads"] = "one file" if source == file else "hive folder"
        sides[side] = out
        if out["status"] == "ok":
            measured["ours (fallback)" if side == "ours" and not engine else side] = (
                events, float(out["peak_mb"]))  # fmt: skip
        print(f"  {side}: {out['status']}" + (f", {out['seconds']:.2f} s" if "seconds" in out
              else ""), flush=True)  # fmt: skip
    ok = {s: v for s, v in sides.items() if v["status"] == "ok"}
    run: dict[str, object] = {"events": events, "cases": info["cases"],
                              "log": None if log is None else str(log),
                              "generation_seconds": None if reused else info["seconds"],
                              "sides": sides, "ratios": verdicts(events, ok)}  # fmt: skip
    if check:
        run["agreement"] = _agreements(ok)
    return run


def _agreements(ok: dict[str, dict]) -> dict[str, dict]:
    with_dfg = [s for s in ("pm4py pandas", "pm4py polars", "bare DuckDB", "ours")
                if "dfg" in ok.get(s, {})]  # fmt: skip
    if len(with_dfg) < 2:
        return {}
    ref = with_dfg[0]
    out = {}
    for side in with_dfg[1:]:
        a = agreement(ok[ref]["dfg"], ok[side]["dfg"], medians=side != "ours")
        a["reference"] = ref
        a["verdict"] = "PASS" if a["same_counts"] and a["mean_rel"] <= 1e-6 and (
            a["median_rel"] is None or a["median_rel"] <= 1e-6) else "MISS"  # fmt: skip
        if a["verdict"] == "MISS":
            a["why"] = _why(side, a)
        out[side] = a
    return out


def _why(side: str, a: dict) -> str:
    """The likely cause of a disagreement, for the printed check."""
    if not a["same_counts"]:
        return ("the sides order some events of a case differently: equal times, or start "
                "times missing on some events (pm4py sorts them last on pandas, first on "
                "polars)")  # fmt: skip
    if side == "pm4py polars":
        return "pm4py's polars DFG truncates each transition time to whole seconds"
    return "the transition times differ"


def _fmt(value: object, spec: str) -> str:
    return "not measured" if value is None else format(value, spec)


def _table(runs: list[dict]) -> str:
    from tabulate import tabulate

    rows = []
    for run in runs:
        n = f"{run['events']:,}"
        for side, out in run["sides"].items():
            label = side
            if side == "ours" and "engine" in out:
                label = f"ours: {out['engine']}"
            if out["status"] != "ok":
                rows.append([n, label, out.get("reads", ""), "", "", "", "", out["status"]])
                continue
            rows.append([n, label, out["reads"], f"{out['seconds']:.2f}", f"{out['peak_mb']:,.0f}",
                         "", "", ""])  # fmt: skip
            if "dfg_seconds" in out:
                rows.append([n, "  of which the DFG", "", f"{out['dfg_seconds']:.2f}", "", "",
                             "", ""])  # fmt: skip
        for r in run["ratios"]:
            spec = ",.0f" if r["name"].endswith("MB") else ".2f"
            rows.append([n, r["name"], "", "", "", _fmt(r["value"], spec), r["target"],
                         r["verdict"]])  # fmt: skip
    head = ["events", "side or ratio", "reads", "seconds", "peak MB", "ratio", "target", "verdict"]
    return tabulate(rows, head, disable_numparse=True, colalign=("right", "left", "left", "right",
                    "right", "right", "left", "left"))  # fmt: skip


def _print_agreement(run: dict) -> None:
    found = run.get("agreement")
    if found is None:
        return
    if not found:
        print(f"DFG check at {run['events']:,} events: fewer than two sides ran; not checked")
    for side, a in found.items():
        median = "" if a["median_rel"] is None else f", medians within {a['median_rel']:.1e}"
        print(f"DFG check at {run['events']:,} events, {side} against {a['reference']}: "
              f"{a['pairs']} pairs, {'same' if a['same_pairs'] else 'different'} pairs, "
              f"{'same' if a['same_counts'] else 'different'} counts, means within "
              f"{a['mean_rel']:.1e}{median} (relative; target 1e-6): {a['verdict']}"
              + (f" ({a['why']})" if "why" in a else ""))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Generate the logs, run every side at every size, print the table."""
    from journeys.errors import InputError

    args = _arguments(argv)
    if args.child:
        _child(args.child[0], args.child[1], args.check)
        return
    try:
        opts = _validate(args)
        with tempfile.TemporaryDirectory(prefix="bench-mining-") as tmp:
            root = Path(args.data) if args.data else Path(tmp)  # made when written
            print(f"machine: {os.cpu_count()} cores, {_available_mb() / 1024:.1f} GB available; "
                  f"sides may use {opts['memory_mb'] / 1024:.1f} GB")  # fmt: skip
            for side in opts["sides"]:
                print(f"  {side}: {SIDES[side]}")
            measured: dict[str, tuple[int, float]] = {}
            if args.log is not None:
                runs = [_run_size(None, root, opts, args, measured, log=Path(args.log))]
            else:
                runs = [_run_size(n, root, opts, args, measured) for n in opts["sizes"]]
    except InputError as e:
        print(f"bench_mining.py: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    print(_table(runs))
    for run in runs:
        _print_agreement(run)
    print("peak MB: the side's process peak RSS (VmHWM) plus its children's; seconds: "
          "from reading the Parquet to the result")  # fmt: skip
    if args.json:
        from odsc.files import write_atomic

        for run in runs:
            for out in run["sides"].values():
                out.pop("dfg", None)
        write_atomic(args.json, json.dumps({"runs": runs}, indent=1).encode())
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
