"""Benchmark: a programme of centres in one process, a process pool and a Dask LocalCluster.

What a planner needs to size a national run: seconds per centre-replication
(one centre, one scenario, one replication), the speed-up of N local
processes over one, and what Dask's LocalCluster costs or gains against the
local pool on the same machine. It also checks that the three tables are
identical (the same seeds on every backend). The peer is the local process
pool, measured in the same run.

    python bench/bench_programme.py                     # 12 centres, 3 replications
    python bench/bench_programme.py --centres 73 --replications 10 --workers 2
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the three backends and print the figures."""
    import pandas as pd

    from simulations.programme import read_programme
    from simulations.programme_run import run_programme
    from simulations.programme_scenarios import ProgrammeScenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(ROOT / "examples" / "centres.yaml"))
    ap.add_argument("--centres", type=int, default=12, help="the first N centres")
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--days", type=int, default=None, help="[fitted per centre]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-serial", action="store_true", help="do not time one process")
    a = ap.parse_args()
    p = read_programme(a.manifest)
    p = replace(p, centres=p.centres[: a.centres])
    scenarios = [ProgrammeScenario("to-be", to_be=True)]
    options = dict(replications=a.replications, days=a.days, seed=1)
    backends = [] if a.skip_serial else [("1 process", {"jobs": 1})]
    backends += [(f"{a.workers} processes", {"jobs": a.workers}),
                 (f"Dask LocalCluster, {a.workers} workers", {"dask_local": a.workers})]  # fmt: skip
    times, tables = {}, {}
    for name, kw in backends:
        t0 = time.perf_counter()
        r = run_programme(p, scenarios, **options, **kw)
        times[name] = time.perf_counter() - t0
        tables[name] = r.runs
        n = len(r.runs)
        print(f"{name:<32} {times[name]:8.1f} s  {n:,} centre-replications"
              f"  {times[name] / n * 1000:7.0f} ms each")  # fmt: skip
    names = list(times)
    pool, dask = names[-2], names[-1]
    if not a.skip_serial:
        print(f"speed-up of {pool} over 1 process: {times[names[0]] / times[pool]:.2f}x")
    print(f"Dask LocalCluster / local pool: {times[dask] / times[pool]:.2f} (1.00 = as fast)")
    first = tables[names[0]]
    same = all(first.equals(t) for t in tables.values())
    pd.testing.assert_frame_equal(first, tables[dask], check_exact=True)
    print(f"tables identical on every backend: {same}")


if __name__ == "__main__":
    main()
