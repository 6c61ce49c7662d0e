"""Benchmark: what the waiting-time causes add to ``odsc mine``.

The causes (:func:`analysis.waiting_causes.waiting_causes`) run inside
:func:`analysis.mining.mine`. This prints, on the same log in the same run,
the wall time of the split alone, of ``mine`` as a whole (the split
included), their ratio (the share of mining time the split takes), the
number of busy-interval pairs joined, and the peak resident memory of the
process. Logs: BPIC 2012 from ``../shared/data`` when it is there (read with
the project's reader first; reading is not timed), and the synthetic log of
``bench/bench_mining.py`` (start and completion times, 60 clerks).

The peer would be the Tartu tool of Lashkevich et al.; it needs R for its
batch discovery and loops over events in pandas, so it is not run here.

Run::

    python bench/bench_waiting_causes.py                  # BPIC 2012 and 1,000,000 events
    python bench/bench_waiting_causes.py --events 100000  # a quicker synthetic log
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

__all__ = ["main"]

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _run(name: str, log) -> None:
    from analysis.bottlenecks import prepare
    from analysis.mining import mine
    from analysis.timezones import log_zone
    from analysis.waiting_causes import waiting_causes

    zone = log_zone(log)
    ev = prepare(log)
    t0 = time.perf_counter()
    wc = waiting_causes(ev, zone=zone)
    split = time.perf_counter() - t0
    t0 = time.perf_counter()
    mine(log)
    whole = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name}: {len(log):,} events, {len(wc.events):,} waits split "
        f"({wc.split_share:.0%} of the waiting)\n"
        f"  causes {split:.2f} s, mine (causes included) {whole:.2f} s, "
        f"ratio {split / whole:.2f}; peak memory so far {peak:,.0f} MB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_mining import make_log

    from analysis.logs import read_log

    warnings.simplefilter("ignore")
    if (DATA / "bpic2012.xes.gz").exists():
        _run("bpic2012.xes.gz", read_log(DATA / "bpic2012.xes.gz"))
    _run(f"synthetic ({args.events:,} events)", make_log(args.events, seed=42))


if __name__ == "__main__":
    main()
