"""Benchmark: our log filters against pm4py's, and before/after against scipy's bootstrap.

On a seeded synthetic log (made by :func:`bench.bench_mining.make_log`; 200,000
events by default) in one process, each side timed on the same in-memory frame:

* ``--from/--to`` with ``--window contained`` against
  ``pm4py.filter_time_range(mode="traces_contained")`` (on the log without its
  start times, since pm4py reads completion times only);
* ``--where`` against ``pm4py.filter_event_attribute_values(level="case")``;
* ``--min-case-events`` against ``pm4py.filter_case_size``;
* ``--variants top:5`` against ``pm4py.filter_variants_top_k``;
* :func:`analysis.before_after.before_after` (11 KPIs, both sides, 2,000
  resamples each) against one ``scipy.stats.bootstrap`` of one KPI (the
  median lead time of one side, 2,000 resamples, percentile method).

It prints each wall time and the ratio ours / peer, and checks that both
sides kept the same cases. There is no target: the figures say what a
consultant waits for. Run::

    python bench/bench_filters.py                  # 200,000 events
    python bench/bench_filters.py --events 50000   # a quick run
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _timed(fn):  # noqa: ANN001, ANN202
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pm4py
    from bench_mining import make_log
    from scipy.stats import bootstrap

    from analysis import filters as f
    from analysis.before_after import before_after
    from analysis.kpis import case_kpis
    from analysis.logs import read_log

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    log = read_log(make_log(args.events, seed=1))
    theirs = log[["case:concept:name", "concept:name", "time:timestamp", "org:group"]].copy()
    cases = log["case:concept:name"].nunique()
    print(f"log: {len(log):,} events, {cases:,} cases")
    t0, t1 = log["time:timestamp"].quantile([0.25, 0.75])
    lo, hi = (t.tz_localize(None).floor("s").strftime("%Y-%m-%d %H:%M:%S") for t in (t0, t1))
    agency = str(log["org:group"].iloc[0])
    # pm4py's window reads completion times only: ours is timed on the log without starts
    done = log.drop(columns="start_timestamp")
    runs = [
        (
            "window contained",
            lambda: f.filter_window(
                done, start=lo + "+00:00", end=hi + "+00:00", window="contained"
            )[0],
            lambda: pm4py.filter_time_range(theirs, lo, hi, mode="traces_contained"),
        ),
        (
            "where",
            lambda: f.filter_where(log, [("org:group", agency)])[0],
            lambda: pm4py.filter_event_attribute_values(
                theirs, "org:group", [agency], level="case"
            ),
        ),
        (
            "min case events",
            lambda: f.filter_min_events(log, 8)[0],
            lambda: pm4py.filter_case_size(theirs, 8, 10**9),
        ),
        (
            "variants top:5",
            lambda: f.filter_top_variants(log, 5)[0],
            lambda: pm4py.filter_variants_top_k(theirs, 5),
        ),
    ]
    print(f"{'filter':<18} {'ours (s)':>9} {'pm4py (s)':>10} {'ratio':>6}  same cases")
    for name, ours_fn, peer_fn in runs:
        ours, a = _timed(ours_fn)
        peer, b = _timed(peer_fn)
        same = set(ours["case:concept:name"]) == set(peer["case:concept:name"])
        print(f"{name:<18} {a:>9.2f} {b:>10.2f} {a / b:>6.2f}  {same}")

    date = log["time:timestamp"].median()
    ba, a = _timed(lambda: before_after(log, date, n_resamples=2000, seed=0))
    lead = case_kpis(log)
    early = lead.loc[lead["first"] < date, "lead_minutes"].to_numpy()
    _, b = _timed(
        lambda: bootstrap(
            (early,),
            np.median,
            n_resamples=2000,
            method="percentile",
            random_state=np.random.default_rng(0),
        )
    )
    print(
        f"before/after: {a:.2f} s for {len(ba.rows)} KPIs x 2 sides "
        f"({ba.cases_before:,} + {ba.cases_after:,} cases); scipy.stats.bootstrap of one "
        f"median on one side: {b:.2f} s; ratio {a / b:.1f} for 22 intervals and the changes"
    )


if __name__ == "__main__":
    main()
