"""Benchmark: our mining of a national-size log against pm4py on the same Parquet file.

A seeded synthetic log (1,000,000 events, 100,000 cases, 12 activities, 5
agencies, start and completion times, clerks) is generated with vectorised
numpy and written to Parquet in a temporary folder. Then two child processes,
each started fresh so their memory peaks do not mix:

* **ours**: ``analysis.logs.read_log`` of the Parquet file and
  ``analysis.mining.mine`` (per-case KPIs, activity and transition
  bottlenecks, profiles, work in progress, workload, agency and resource
  handoffs, ping-pong, variants, rework, findings), i.e. the whole report
  without rendering;
* **pm4py**: ``pandas.read_parquet``, ``pm4py.format_dataframe``,
  ``pm4py.discover_performance_dfg`` and ``pm4py.discover_network_analysis``
  on the agency column with ``performance=True``.

It prints both wall times, their ratio (target: ours at most 0.5 x pm4py's)
and each side's peak memory, measured as the child process's peak resident
set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``; target: ours below
2 GB). Run::

    python bench/bench_mining.py                 # the full 1,000,000 events
    python bench/bench_mining.py --events 100000 # a quick run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["make_log", "main"]

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


def make_log(events: int = 1_000_000, *, cases: int | None = None, seed: int = 42) -> pd.DataFrame:
    """A synthetic canonical log with exactly ``events`` rows (vectorised numpy).

    Each case walks the 12 activities mostly forward (one step on 70% of
    moves, a skip on 15%, a repeat on 10%, a step back on 5%); waiting before
    a step is exponential (mean 4 h), processing exponential (mean 20 min).

    Examples
    --------
    >>> log = make_log(1_000, seed=1)
    >>> len(log), log["case:concept:name"].nunique(), log["org:group"].nunique()
    (1000, 100, 5)
    """
    rng = np.random.default_rng(seed)
    n_cases = cases or max(1, events // 10)
    # Case lengths: at least 3 events, the rest spread at random, summing to `events`.
    extra = rng.multinomial(events - 3 * n_cases, np.full(n_cases, 1.0 / n_cases))
    lengths = extra + 3
    case_of = np.repeat(np.arange(n_cases), lengths)
    first = np.zeros(events, dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first[starts] = True

    moves = rng.choice(np.array([1, 2, 0, -1]), size=events, p=[0.70, 0.15, 0.10, 0.05])
    moves[first] = 0
    position = _per_case_cumsum(moves, starts, lengths)
    act = np.clip(position, 0, len(ACTIVITIES) - 1)
    agency = _AGENCY_OF[act]
    clerk = agency * _CLERKS_PER_AGENCY + rng.integers(0, _CLERKS_PER_AGENCY, size=events)

    wait = rng.exponential(240.0, size=events)
    wait[first] = 0.0
    work = rng.exponential(20.0, size=events) + 1.0
    done = _per_case_cumsum(wait + work, starts, lengths)  # minutes since the case began
    case_begin = rng.uniform(0, 365 * 1440, size=n_cases)[case_of]
    t0 = np.datetime64("2024-01-01T00:00:00", "ns")
    complete_ns = t0 + ((case_begin + done) * 60e9).astype("timedelta64[ns]")
    start_ns = complete_ns - (work * 60e9).astype("timedelta64[ns]")

    case_ids = np.char.add("case-", np.char.zfill(np.arange(n_cases).astype(str), 6))
    return pd.DataFrame(
        {
            "case:concept:name": case_ids[case_of],
            "concept:name": np.asarray(ACTIVITIES, dtype=object)[act],
            "time:timestamp": pd.DatetimeIndex(complete_ns).tz_localize("UTC"),
            "start_timestamp": pd.DatetimeIndex(start_ns).tz_localize("UTC"),
            "org:group": np.asarray(AGENCIES, dtype=object)[agency],
            "org:resource": np.char.add("clerk-", clerk.astype(str)).astype(object),
        }
    )


def _per_case_cumsum(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    before = np.repeat(total[starts] - values[starts], lengths)
    return total - before


def _ours(path: str, *, causes: bool = False) -> dict[str, float]:
    from analysis.logs import read_log
    from analysis.mining import mine

    t = time.perf_counter()
    log = read_log(path)
    result = mine(log, causes=causes)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "cases": float(result.summary["cases"])}


def _pm4py(path: str) -> dict[str, float]:
    import pm4py

    t = time.perf_counter()
    df = pd.read_parquet(path)
    df = pm4py.format_dataframe(
        df,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    pm4py.discover_performance_dfg(df)
    pm4py.discover_network_analysis(
        df,
        out_column="case:concept:name",
        in_column="case:concept:name",
        node_column_source="org:group",
        node_column_target="org:group",
        edge_column="org:group",
        performance=True,
    )
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "cases": float(df["case:concept:name"].nunique())}


def _child(which: str, path: str) -> None:
    import resource

    if which == "pm4py":
        out = _pm4py(path)
    else:
        out = _ours(path, causes=which == "ours+causes")
    # ru_maxrss is in kilobytes on Linux.
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _run_child(which: str, path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", which, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{which} failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main(argv: list[str] | None = None) -> None:
    """Generate the log, time both sides, print the figures."""
    parser = argparse.ArgumentParser(description="Mining benchmark: ours against pm4py.")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        log = make_log(args.events, seed=args.seed)
        path = Path(tmp) / "log.parquet"
        log.to_parquet(path, index=False)
        made = time.perf_counter() - t
        n_cases = log["case:concept:name"].nunique()
        print(
            f"log: {len(log):,} events, {n_cases:,} cases, {log['concept:name'].nunique()} "
            f"activities, {log['org:group'].nunique()} agencies "
            f"(generated and written in {made:.1f} s)"
        )
        del log
        ours = _run_child("ours", path)
        full = _run_child("ours+causes", path)
        theirs = _run_child("pm4py", path)
    ratio = ours["seconds"] / theirs["seconds"]
    print(
        f"ours  (read_log + mine):                         {ours['seconds']:8.2f} s   "
        f"peak RSS {ours['peak_mb']:8.0f} MB"
    )
    print(
        f"ours with the waiting causes (the report's mine): {full['seconds']:8.2f} s   "
        f"peak RSS {full['peak_mb']:8.0f} MB"
    )
    print(
        f"pm4py (format_dataframe + performance DFG + network analysis): "
        f"{theirs['seconds']:8.2f} s   peak RSS {theirs['peak_mb']:8.0f} MB"
    )
    print(
        f"ratio ours / pm4py: {ratio:.2f} (target <= 0.5); "
        f"our peak memory {ours['peak_mb'] / 1024:.2f} GB (target < 2 GB); "
        "peak = child process ru_maxrss"
    )


if __name__ == "__main__":
    main()
