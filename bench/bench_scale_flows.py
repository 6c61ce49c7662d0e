"""Benchmark: the scale engine's handoff, ping-pong, variant, rework and cause tables.

The seeded synthetic log of the mining benchmark (``bench/mining_log.py``,
times at whole seconds; ``--ms`` adds random milliseconds, as some logs record
them, which makes nearly every delay a distinct value) is written to Parquet. Three child
processes, each started fresh so that their memory peaks do not mix, compute
the same tables:

* **pandas** (today's path): ``read_log`` of the file (not timed), then the
  calls :func:`analysis.mining.mine` makes: ``event_times`` and the compact
  event table, the directly-follows pairs, agency and resource handoffs,
  ping-pong, variants, rework and the wait causes;
* **engine**: ``open_log`` and ``build_events`` (the per-event table, timed
  apart), then the partials of :mod:`analysis.scale.flows`,
  :mod:`analysis.scale.variants` and :mod:`analysis.scale.causes` (each
  distinct partial once), ``combine`` and the finish functions, with DuckDB
  on two threads;
* **pm4py**: ``pm4py.discover_network_analysis`` on the agency column with
  ``performance=True`` (the agency handoffs with their delays), after
  ``format_dataframe`` (not timed).

It prints each side's seconds, the ratios, each child's peak resident set size
(``ru_maxrss``) and how many rows the engine's value-count partials hold. Run::

    python bench/bench_scale_flows.py                  # 1,000,000 events
    python bench/bench_scale_flows.py --ms             # times to the millisecond
    python bench/bench_scale_flows.py --events 100000  # a quick run
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


def _pandas(path: str) -> dict[str, float]:
    from analysis.bottlenecks import activity_stats, directly_follows, prepare
    from analysis.causes import with_causes
    from analysis.handoffs import handoff_events, handoffs, pingpongs
    from analysis.logs import read_log
    from analysis.mining import _compact
    from analysis.variants import rework, variants

    log = read_log(path)
    t = time.perf_counter()
    ev = _compact(prepare(log), None)
    prep = time.perf_counter() - t
    pairs = directly_follows(ev)
    moves = handoff_events(ev, pairs=pairs)
    hand = handoffs(ev, events=moves)
    pingpongs(ev, events=moves)
    handoffs(ev, level="resource", events=handoff_events(ev, level="resource", pairs=pairs))
    variants(ev, top=10)
    rework(ev)
    mid = time.perf_counter()
    acts = activity_stats(ev)
    t_acts = time.perf_counter() - mid
    with_causes(ev, moves, acts, hand)
    tables = time.perf_counter() - t - prep - t_acts
    return {"prep": prep, "tables": tables}


def _engine(path: str) -> dict[str, float]:
    import pandas as pd

    from analysis.scale import causes, flows
    from analysis.scale import variants as paths
    from analysis.scale.events import build_events
    from analysis.scale.partials import combine, run_partials
    from analysis.scale.source import connect, open_log

    t = time.perf_counter()
    con, log = open_log(path, con=connect(threads=2))
    build_events(con, log)
    prep = time.perf_counter() - t
    parts = (
        flows.handoffs_partials(log)
        + flows.pingpongs_partials(log)
        + flows.handoffs_partials(log, level="resource")
        + paths.variants_partials(log)
        + paths.rework_partials(log)
        + causes.causes_partials(log)
    )
    unique = list({p.name: p for p in parts}.values())
    t = time.perf_counter()
    runs = [run_partials(con, unique)]
    ran = time.perf_counter() - t
    combine(con, runs, unique)
    hand = flows.handoffs_finish(con, log)
    flows.pingpongs_finish(con, log)
    flows.handoffs_finish(con, log, level="resource")
    paths.variants_finish(con, log, top=10)
    paths.rework_finish(con, log)
    causes.with_causes_finish(con, log, pd.DataFrame({"activity": []}), hand)
    tables = time.perf_counter() - t
    rows = {name: table.num_rows for name, table in runs[0].items()}
    return {"prep": prep, "tables": tables, "partials": ran, "rows": rows}


def _pm4py(path: str) -> dict[str, float]:
    import pandas as pd
    import pm4py

    df = pm4py.format_dataframe(
        pd.read_parquet(path),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    t = time.perf_counter()
    pm4py.discover_network_analysis(
        df,
        out_column="case:concept:name",
        in_column="case:concept:name",
        node_column_source="org:group",
        node_column_target="org:group",
        edge_column="org:group",
        performance=True,
    )
    return {"tables": time.perf_counter() - t}


def _child(which: str, path: str) -> None:
    import resource

    out = {"pandas": _pandas, "engine": _engine, "pm4py": _pm4py}[which](path)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _run_child(which: str, path: Path) -> dict:
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
    """Generate the log, time the three sides, print the figures."""
    parser = argparse.ArgumentParser(description="Scale engine flow tables against pandas.")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--ms", action="store_true", help="times to the millisecond")
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np
    import pandas as pd
    from mining_log import make_log

    with tempfile.TemporaryDirectory() as tmp:
        log = make_log(args.events, seed=args.seed)
        if args.ms:
            rng = np.random.default_rng(args.seed)
            # the same milliseconds on start and completion keep every event's order
            shift = pd.to_timedelta(rng.integers(0, 1000, size=len(log)), unit="ms")
            for col in ("time:timestamp", "start_timestamp"):
                log[col] = log[col] + shift
        path = Path(tmp) / "log.parquet"
        log.to_parquet(path, index=False)
        print(f"log: {len(log):,} events, {log['case:concept:name'].nunique():,} cases")
        del log
        ours = _run_child("engine", path)
        today = _run_child("pandas", path)
        peer = _run_child("pm4py", path)
    print(
        f"pandas: event times {today['prep']:6.2f} s, tables {today['tables']:6.2f} s, "
        f"peak RSS {today['peak_mb']:6.0f} MB (read_log included)"
    )
    print(
        f"engine: build_events {ours['prep']:6.2f} s, tables {ours['tables']:6.2f} s "
        f"(partials {ours['partials']:.2f} s), peak RSS {ours['peak_mb']:6.0f} MB"
    )
    print(f"pm4py network analysis (agency handoffs only): {peer['tables']:6.2f} s")
    print(
        f"ratio engine / pandas, tables: {ours['tables'] / today['tables']:.2f}; "
        f"with the per-event step: "
        f"{(ours['prep'] + ours['tables']) / (today['prep'] + today['tables']):.2f}; "
        f"engine tables / pm4py network analysis: {ours['tables'] / peer['tables']:.2f}"
    )
    print("partial rows: " + ", ".join(f"{k} {v:,}" for k, v in ours["rows"].items()))


if __name__ == "__main__":
    main()
