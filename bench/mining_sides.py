"""The sides of the mining benchmark, the DFG check and the verdicts.

See ``bench/bench_mining.py``. Each side function runs in a fresh child
process there (``bench_mining.py --child SIDE SOURCE``) and returns its
``seconds`` and ``peak_mb``, and with ``check`` its performance DFG: pair ->
(count, mean seconds, median seconds).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from mining_log import ACTIVITY, AGENCY, CASE, COMPLETE, START, peak_mb

__all__ = [
    "SIDES",
    "TARGETS",
    "agreement",
    "duckdb_dfg",
    "ours",
    "pm4py_pandas",
    "pm4py_polars",
    "verdicts",
]

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

# Peak memory estimates, MB = base + per-event bytes x events / 2**20: the line through
# this benchmark's peaks at 200,000 and 1,000,000 events (pandas 3.1, pm4py 2.7.23,
# polars 2.1: pm4py pandas 523 and 1,436 MB, polars 532 and 1,220 MB, our read_log + mine
# 286 and 610 MB). Used to skip a side that cannot fit; a measurement at a smaller size in
# the same run replaces them. The out-of-core sides (DuckDB, the engine) have none.
_ESTIMATE = {
    "ours (fallback)": (205.0, 425.0),
    "pm4py pandas": (295.0, 1_200.0),
    "pm4py polars": (360.0, 900.0),
}
#: The share of the available memory a side may be estimated to use (the rest is headroom
#: for the estimate's error and the machine's other work).
_HEADROOM = 0.8


# --- the sides (each runs in a fresh child process) ------------------------------------

Dfg = dict[tuple[str, str], tuple[int, float, float]]  # pair -> (count, mean s, median s)


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
    out: dict[str, object] = {"seconds": time.perf_counter() - t, "peak_mb": peak_mb()}
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
        "peak_mb": peak_mb(),
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
    out: dict[str, object] = {"seconds": time.perf_counter() - t, "peak_mb": peak_mb()}
    if check:
        nan = math.nan  # a pair whose every transition time is missing (pm4py: NaN)
        out["dfg"] = {(a, b): (int(n), nan if mean is None else float(mean),
                               nan if med is None else float(med))
                      for a, b, n, mean, med in rows}  # fmt: skip
    return out


def ours(source: str, *, check: bool = False) -> dict[str, object]:
    """Our mining: ``analysis.scale.mine_source`` (the scale engine) on the hive folder.

    Returns ``seconds``, ``peak_mb``, ``engine`` and, with ``check``, ``dfg``
    (count and mean of the result's transitions; the median is ours over
    non-overlapping pairs only, so it is left out: NaN).
    """
    # the packages the engine imports when it runs, imported before the clock, as every
    # other side imports its own (pm4py's import alone takes seconds, outside its figure)
    import duckdb  # noqa: F401
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    import analysis.mining  # noqa: F401
    from analysis.scale import mine_source

    t = time.perf_counter()
    result = mine_source(source)
    engine = "analysis.scale.mine_source"
    out: dict[str, object] = {
        "seconds": time.perf_counter() - t,
        "peak_mb": peak_mb(),
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
    cmd = [
        sys.executable,
        str(Path(__file__).with_name("bench_mining.py")),
        "--child",
        side,
        str(source),
    ]
    if check:
        cmd.append("--check")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException as exc:  # the timeout, or Ctrl-C: the side has a session of its own
        os.killpg(proc.pid, signal.SIGKILL)  # the side and anything it started
        proc.communicate()
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
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
