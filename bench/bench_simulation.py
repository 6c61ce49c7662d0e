"""Benchmark: the simulation engine against a minimal SimPy loop and ciw, same run.

A one-step M/M/c journey (open around the clock) with N citizens goes through

1. our engine (``simulations.engine.simulate``, event log and all),
2. a hand-written minimal SimPy loop (arrivals, one Resource, waiting times in a list),
3. ciw (``simulate_until_max_customers``),

and the script prints citizens per second of each and the ratios. It then times
20 replications of the catalogue's before/after experiment (business licence as-is
and one-door, as ``odsc compare`` runs it) on 1 process and on 2 processes and
prints the speed-up.

Targets: at least 0.7x the minimal SimPy loop, at least 1.5x ciw, at least 1.7x
speed-up on 2 cores.

Run: ``python bench/bench_simulation.py [--citizens 200000] [--replications 20]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

LAM = 1.0  # arrivals per minute
MU = 1.0 / 1.6  # services per minute per desk
C = 2  # desks: rho = 0.8


def mmc_journey(citizens: int):
    """A one-step M/M/c journey open 24 hours, 7 days, sized for ``citizens`` arrivals."""
    from journeys.model import (
        Agency,
        Arrivals,
        Calendar,
        Distribution,
        Journey,
        Pool,
        Step,
    )

    days = int(np.ceil(citizens / (LAM * 1440)))
    j = Journey(
        id="mmc",
        name="M/M/c",
        start="serve",
        steps=(Step("serve", "a", Distribution("exponential", {"mean": 1.0 / MU}), pool="desk"),),
        transitions=(),
        agencies=(Agency("a"),),
        pools=(Pool("desk", capacity=C, calendar="always"),),
        calendars=(
            Calendar(
                "always",
                (("00:00", "24:00"),),
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            ),
        ),
        arrivals=Arrivals(per_day=LAM * 1440),
    )
    return j, days


def run_ours(citizens: int) -> tuple[float, int]:
    from simulations.engine import simulate

    j, days = mmc_journey(citizens)
    t0 = time.perf_counter()
    res = simulate(j, days=days, seed=1)
    dt = time.perf_counter() - t0
    return dt, int(res.arrived)


def run_simpy_loop(citizens: int) -> tuple[float, int]:
    import simpy

    rng = np.random.default_rng(1)
    inter = rng.exponential(1.0 / LAM, citizens)
    service = rng.exponential(1.0 / MU, citizens)
    waits: list[float] = []

    def customer(env, desk, i):
        arrive = env.now
        with desk.request() as req:
            yield req
            waits.append(env.now - arrive)
            yield env.timeout(service[i])

    def source(env, desk):
        for i in range(citizens):
            yield env.timeout(inter[i])
            env.process(customer(env, desk, i))

    t0 = time.perf_counter()
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=C)
    env.process(source(env, desk))
    env.run()
    return time.perf_counter() - t0, citizens


def run_ciw(citizens: int) -> tuple[float, int]:
    import ciw

    ciw.seed(1)  # ciw only offers a global seed
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[C],
    )
    t0 = time.perf_counter()
    sim = ciw.Simulation(net)
    sim.simulate_until_max_customers(citizens, method="Finish")
    return time.perf_counter() - t0, len(sim.get_all_records())


def run_replications(replications: int, jobs: int, *, repeat: int = 2) -> float:
    """Best of ``repeat`` timings of the before/after experiment of ``odsc compare``.

    Both catalogue business-licence journeys, ``replications`` each, 60 days of
    arrivals, 5 of warm-up and the default tail: what a planner runs. The best
    of a few runs filters out other work on the machine.
    """
    from journeys.catalog import load_catalog
    from simulations.experiments import run

    journeys = [load_catalog("business-licence"), load_catalog("business-licence-one-door")]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(journeys, replications=replications, days=60, warmup_days=5, seed=1, jobs=jobs)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--citizens", type=int, default=200_000)
    p.add_argument("--replications", type=int, default=20)
    a = p.parse_args()
    print(
        f"M/M/{C}, lambda={LAM}/min, mu={MU:.4f}/min, {a.citizens:,} citizens; cpus={os.cpu_count()}"
    )
    results = {}
    for name, fn in (
        ("odsc engine", run_ours),
        ("minimal SimPy", run_simpy_loop),
        ("ciw", run_ciw),
    ):
        dt, n = fn(a.citizens)
        results[name] = n / dt
        print(f"  {name:<14} {dt:8.2f} s  {n:>9,} citizens  {n / dt:>10,.0f} citizens/s")
    ours = results["odsc engine"]
    print(f"  ratio vs minimal SimPy: {ours / results['minimal SimPy']:.2f}x (target >= 0.7x)")
    print(f"  ratio vs ciw:           {ours / results['ciw']:.2f}x (target >= 1.5x)")
    run_replications(1, 1, repeat=1)  # imports and caches, outside the timings
    t1 = run_replications(a.replications, 1)
    t2 = run_replications(a.replications, 2)
    print(
        f"{a.replications} replications of business-licence as-is and one-door (60 days): "
        f"1 process {t1:.2f} s, 2 processes {t2:.2f} s, speed-up {t1 / t2:.2f}x (target >= 1.7x)"
    )


if __name__ == "__main__":
    main()
