"""Benchmark: the scale engine's bottleneck tables against today's pandas tables.

The seeded synthetic log of :func:`mining_log.make_log` (times in whole
seconds, as most real logs record them; ``--round`` rounds them coarser) is
written to Parquet. Two
child processes, each started fresh so that their memory peaks do not mix:

* **engine**: :func:`analysis.scale.open_log` and ``build_events`` over the
  Parquet file, then for each table of :mod:`analysis.scale.bottlenecks` and
  :mod:`analysis.scale.workload` its partials, ``combine`` and finish (one
  partition, or ``--buckets`` hash buckets of cases run one after the other,
  as Dask workers would, then merged);
* **pandas** (the peer: what the report computes today):
  :func:`analysis.logs.read_log` of the same file, ``prepare`` and
  ``activity_stats``, ``transition_stats``, ``profiles``, ``wip`` and
  ``resource_workload``.

It prints each table's time on both sides and their ratio, the time to make
the per-event table on both sides (``build_events`` against ``read_log`` +
``prepare``), the rows of the value-count tables (how many distinct
waiting, processing and transition times the exact quantiles carry) and
each side's peak resident memory (``ru_maxrss`` of the child). Run::

    python bench/bench_scale_tables.py                   # 1,000,000 events
    python bench/bench_scale_tables.py --events 100000 --buckets 4
    python bench/bench_scale_tables.py --round min       # times to the minute
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

TABLES = ("activity_stats", "transition_stats", "profiles", "wip", "resource_workload")


def _engine(path: str, threads: int, buckets: int, tz: str | None) -> dict:
    from analysis.scale import bottlenecks as b
    from analysis.scale import build_events, connect, open_log
    from analysis.scale import workload as w
    from analysis.scale.partials import combine, run_partials

    pairs = {
        "activity_stats": (b.activity_stats_partials, b.activity_stats_finish, {}),
        "transition_stats": (b.transition_stats_partials, b.transition_stats_finish, {}),
        "profiles": (w.profiles_partials, w.profiles_finish, {"tz": tz}),
        "wip": (w.wip_partials, w.wip_finish, {"tz": tz}),
        "resource_workload": (w.resource_workload_partials, w.resource_workload_finish, {"tz": tz}),
    }
    out: dict = {"tables": {}, "rows": {}}
    t = time.perf_counter()
    partitions = []
    for k in range(buckets) if buckets else [None]:
        where = None if k is None else f'hash("case:concept:name") % {buckets} = {k}'
        con, log = open_log(path, con=connect(threads=threads), where=where)
        build_events(con, log)
        partitions.append((con, log))
    out["events"] = time.perf_counter() - t
    for name, (partials_of, finish, options) in pairs.items():
        t = time.perf_counter()
        parts, partials = [], []
        for con, log in partitions:
            partials = partials_of(log, **options)
            parts.append(run_partials(con, partials))
        merged = connect(threads=threads)
        combine(merged, parts, partials)
        finish(merged, partitions[0][1], **options)
        out["tables"][name] = time.perf_counter() - t
        for p in partials:
            out["rows"][p.name] = sum(part[p.name].num_rows for part in parts)
    return out


def _pandas(path: str, tz: str | None) -> dict:
    from analysis import bottlenecks as b
    from analysis.handoffs import resource_workload
    from analysis.logs import read_log

    t = time.perf_counter()
    ev = b.prepare(read_log(path))
    out: dict = {"events": time.perf_counter() - t, "tables": {}}
    calls = {
        "activity_stats": lambda: b.activity_stats(ev),
        "transition_stats": lambda: b.transition_stats(ev),
        "profiles": lambda: b.profiles(ev, tz=tz),
        "wip": lambda: b.wip(ev, tz=tz),
        "resource_workload": lambda: resource_workload(ev, tz=tz),
    }
    for name, call in calls.items():
        t = time.perf_counter()
        call()
        out["tables"][name] = time.perf_counter() - t
    return out


def _child(which: str, path: str, threads: int, buckets: int, tz: str | None) -> None:
    import resource

    out = _engine(path, threads, buckets, tz) if which == "engine" else _pandas(path, tz)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _run_child(which: str, path: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", which, str(path), "--threads", str(args.threads)]
    cmd += ["--buckets", str(args.buckets)] + (["--tz", args.tz] if args.tz else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{which} failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main(argv: list[str] | None = None) -> None:
    """Generate the log, time both sides, print the figures."""
    parser = argparse.ArgumentParser(description="Scale engine tables against pandas.")
    parser.add_argument("--events", type=float, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--buckets", type=int, default=0, help="hash buckets of cases")
    parser.add_argument("--tz", default=None, help="clock of profiles, wip, workload")
    parser.add_argument("--round", default=None, help="round the times (pandas unit: min, h)")
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child, args.threads, args.buckets, args.tz)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from mining_log import make_log

    with tempfile.TemporaryDirectory() as tmp:
        log = make_log(int(args.events), seed=args.seed)
        for col in ("time:timestamp", "start_timestamp") if args.round else ():
            log[col] = log[col].dt.round(args.round)
        path = Path(tmp) / "log.parquet"
        log.to_parquet(path, index=False)
        print(
            f"log: {len(log):,} events, {log['case:concept:name'].nunique():,} cases, "
            f"times to {args.round or 'the second'}; DuckDB threads {args.threads}, "
            f"{args.buckets or 1} partition(s), clock {args.tz or 'UTC'}"
        )
        del log
        ours = _run_child("engine", path, args)
        peer = _run_child("pandas", path, args)
    print(f"{'step':32s} {'engine s':>9s} {'pandas s':>9s} {'ratio':>7s}")
    rows = [("per-event table", ours["events"], peer["events"])]
    rows += [(name, ours["tables"][name], peer["tables"][name]) for name in TABLES]
    rows.append(("the five tables", sum(ours["tables"].values()), sum(peer["tables"].values())))
    rows.append(("all", ours["events"] + rows[-1][1], peer["events"] + rows[-1][2]))
    for label, a, b in rows:
        print(f"{label:32s} {a:9.2f} {b:9.2f} {a / b:7.2f}")
    print(f"peak RSS: engine {ours['peak_mb']:.0f} MB, pandas {peer['peak_mb']:.0f} MB")
    print(
        "rows the partials send (value counts: distinct times; trans_gap and prof_wait: one per value): "
        + ", ".join(f"{k} {v:,}" for k, v in ours["rows"].items())
    )


if __name__ == "__main__":
    main()
