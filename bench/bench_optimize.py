"""Benchmark: the staffing search against an exhaustive grid, same runs, same seeds.

For each catalogue journey, :func:`simulations.optimize.optimize_staffing` finds
the cheapest desks meeting "85% within 15 min" at every citizen-facing desk;
then every staffing of the box it searched (per pool, from the Erlang C lower
bound to the most desks the search tried) is simulated with the same
replications and seeds, and the cheapest that meets the standard is the
grid's optimum. The script prints both optima, the simulated runs each spent
and the ratio.

Targets: the same optimum, at most 20% of the grid's simulations.

Run: ``python bench/bench_optimize.py [--replications 4] [--journeys a,b]``
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time

CATALOGUE = (
    "business-licence",
    "business-licence-one-door",
    "family-book",
    "family-book-one-door",
    "land-title",
    "land-title-one-door",
)


def grid_optimum(journey, plan, *, replications, days, warmup_days, tail_days, seed, jobs):
    """The cheapest staffing of the searched box that meets the standard, and the runs spent."""
    from simulations.optimize import _staffed  # the same staffing the search simulates
    from simulations.probes import facing_pools, probe_all

    pools = [p.id for p in journey.pools]
    top = {p: max(dict(c.desks)[p] for c in plan.candidates) for p in pools}
    box = [range(plan.bounds[p][0], top[p] + 1) for p in pools]
    combos = list(itertools.product(*box))
    journeys = [_staffed(journey, dict(zip(pools, c))) for c in combos]
    sums = probe_all(journeys, standard=plan.standard, lead_target=None,
                     replications=replications, days=days, warmup_days=warmup_days,
                     tail_days=tail_days, seed=seed, jobs=jobs)  # fmt: skip
    facing = facing_pools(journey)
    rate = {p.id: p.cost_per_hour for p in journey.pools}
    hours = {p.id: journey.calendar(p.calendar).minutes_open_per_day / 60
             * len(journey.calendar(p.calendar).days) for p in journey.pools}  # fmt: skip
    best, best_cost = None, math.inf
    for combo, s in zip(combos, sums):
        if all(s.mean(f"within:{p}") >= plan.standard.share for p in facing):
            cost = sum(n * hours[p] * rate[p] for p, n in zip(pools, combo))
            if cost < best_cost:
                best, best_cost = dict(zip(pools, combo)), cost
    return best, best_cost, len(combos) * replications


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--tail-days", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--journeys", default=",".join(CATALOGUE))
    a = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures as they come, also into a file

    from journeys import load_catalog
    from simulations.optimize import optimize_staffing

    kw = dict(replications=a.replications, days=a.days, warmup_days=3, tail_days=a.tail_days,
              seed=1, jobs=a.jobs)  # fmt: skip
    total_search = total_grid = 0
    same = 0
    names = a.journeys.split(",")
    print(f"standard 85% within 15 min; {a.replications} replications of {a.days} + "
          f"{a.tail_days} working days per staffing")  # fmt: skip
    for name in names:
        j = load_catalog(name)
        t0 = time.perf_counter()
        plan = optimize_staffing(j, **kw)
        t1 = time.perf_counter()
        grid, grid_cost, grid_runs = grid_optimum(j, plan, **kw)
        t2 = time.perf_counter()
        found = dict(plan.chosen.desks) if plan.chosen else None
        ok = found == grid
        same += ok
        total_search += plan.simulations
        total_grid += grid_runs
        print(f"{name}:")
        print(f"  search  {plan.simulations:5d} runs {t1 - t0:7.1f} s  desks {found}"
              f"  cost {plan.chosen.cost if plan.chosen else math.nan:,.0f}")  # fmt: skip
        print(f"  grid    {grid_runs:5d} runs {t2 - t1:7.1f} s  desks {grid}  cost {grid_cost:,.0f}")
        print(f"  same optimum: {'yes' if ok else 'NO'}; runs search / grid: "
              f"{plan.simulations / grid_runs:.2f}")  # fmt: skip
    print(f"all: same optimum on {same} of {len(names)} journeys; runs search / grid: "
          f"{total_search} / {total_grid} = {total_search / total_grid:.2f} (target <= 0.20)")


if __name__ == "__main__":
    main()
