"""Benchmark: the scale engine's per-case tables against today's pandas functions.

The synthetic log of :func:`bench_mining.make_log` (1,000,000 events, 100,000
cases by default), with citizen presence and doors added (the front-office
and payment steps have the citizen, at the agency's door) so that visits and
desk queues are computed too, is written to Parquet. Then, each in a fresh
child process so that memory peaks do not mix:

* **engine**: :func:`analysis.scale.mine.mine_source` (the per-case KPIs, the
  summary with its counts and queue standard, the league table by agency of
  the first step), with the time of each stage;
* **engine, 3 buckets**: the same on three hash buckets of cases run one
  after the other (what a Dask worker does per bucket);
* **pandas**: ``analysis.logs.read_log`` of the same file, then
  ``case_kpis``, ``summarize`` (with the per-event waits), ``queue_waits``
  and ``league_table``: the same figures computed today.

It prints the wall times, the ratio engine / pandas and each side's peak
resident set size (``ru_maxrss`` of the child). Run::

    python bench/bench_scale_cases.py                  # 1,000,000 events
    python bench/bench_scale_cases.py --events 100000  # a quick run
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

__all__ = ["main"]

#: Activities whose step has the citizen in person (of bench_mining.ACTIVITIES).
_CITIZEN_STEPS = ("Register application", "Check identity", "Pay fee", "Hand over certificate")


def _write_log(events: int, seed: int, path: Path) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_mining import make_log

    log = make_log(events, seed=seed)
    present = log["concept:name"].isin(_CITIZEN_STEPS).to_numpy()
    log["odsc:citizen_present"] = present
    log["odsc:door"] = np.where(present, log["org:group"].to_numpy(dtype=object), None)
    log.to_parquet(path, index=False)
    return (
        f"log: {len(log):,} events, {log['case:concept:name'].nunique():,} cases, "
        f"{int(present.sum()):,} with the citizen present"
    )


def _engine(path: str, parts: int | None) -> dict[str, float]:
    import analysis.mining  # noqa: F401  (imported before the clock, as on the pandas side)
    from analysis.scale.mine import mine_source

    t = time.perf_counter()
    result = mine_source(path, by="org:group", parts=parts)
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "cases": float(result.summary["cases"]),
        "queues": float(result.summary["queue_waits"]),
    }


def _stages(path: str) -> dict[str, float]:
    """The engine's stages timed one by one (same work as mine_source)."""
    from analysis.scale import build_events, open_log
    from analysis.scale.cases import case_kpi_finish, ev_columns
    from analysis.scale.mine import scale_partials
    from analysis.scale.partials import combine, run_partials
    from analysis.scale.summary import league_finish, summary_finish

    out = {}
    t = time.perf_counter()
    con, log = open_log(path)
    out["open"] = time.perf_counter() - t
    t = time.perf_counter()
    build_events(con, log, keep=ev_columns(log, by="org:group"))
    out["build_events"] = time.perf_counter() - t
    partials = scale_partials(log, by="org:group")
    for p in partials:
        t = time.perf_counter()
        part = run_partials(con, [p])
        out[f"partial {p.name}"] = time.perf_counter() - t
        t = time.perf_counter()
        combine(con, [part], [p])
        out[f"combine {p.name}"] = time.perf_counter() - t
    t = time.perf_counter()
    kpis = case_kpi_finish(con, log)
    summary_finish(con, log, kpis, by="org:group")
    league_finish(con, log, kpis, by="org:group")
    out["finish"] = time.perf_counter() - t
    return out


def _pandas(path: str) -> dict[str, float]:
    from analysis.kpis import case_kpis, event_times, summarize
    from analysis.logs import read_log
    from analysis.mining import league_table
    from analysis.queues import queue_waits

    t = time.perf_counter()
    log = read_log(path)
    ev = event_times(log)
    kpis = case_kpis(ev)
    summary = summarize(kpis, events=ev)
    queues = queue_waits(ev)
    league_table(ev.assign(queue_wait=queues.to_numpy()), kpis, by="org:group")
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "cases": float(summary["cases"]),
        "queues": float(queues.notna().sum()),
    }


def _child(which: str, path: str) -> None:
    import resource

    if which == "pandas":
        out = _pandas(path)
    elif which == "stages":
        out = _stages(path)
    else:
        out = _engine(path, 3 if which == "engine3" else None)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
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
    """Generate the log, time each side, print the figures."""
    parser = argparse.ArgumentParser(description="Per-case tables: scale engine vs pandas.")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        print(_write_log(args.events, args.seed, path))
        engine = _run_child("engine", path)
        engine3 = _run_child("engine3", path)
        stages = _run_child("stages", path)
        pandas = _run_child("pandas", path)
    for name, r in (
        ("engine (mine_source)", engine),
        ("engine, 3 buckets", engine3),
        ("pandas (read_log + kpis + queues + league)", pandas),
    ):
        print(
            f"{name:44s} {r['seconds']:7.2f} s   peak RSS {r['peak_mb']:7.0f} MB   "
            f"cases {r['cases']:,.0f}  desk queues {r['queues']:,.0f}"
        )
    print(
        "engine stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items() if k != "peak_mb")
    )
    print(
        f"ratio engine / pandas: {engine['seconds'] / pandas['seconds']:.2f}; "
        f"3 buckets / pandas: {engine3['seconds'] / pandas['seconds']:.2f}; "
        f"memory engine / pandas: {engine['peak_mb'] / pandas['peak_mb']:.2f}"
    )
    if engine["cases"] != pandas["cases"] or engine["queues"] != pandas["queues"]:
        raise SystemExit("the engine and pandas disagree on the cases or the desk queues")


if __name__ == "__main__":
    main()
