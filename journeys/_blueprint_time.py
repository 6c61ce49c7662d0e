"""Time on a blueprint: the counter queues (wait points) and the elapsed-time ruler.

Counter queues
    A citizen-present step served by a desk pool has a queue. Its expected wait
    is the M/M/c mean wait (Erlang C) of the pool: arrivals at the journey's
    ``arrivals.per_day`` times the expected passes of each step the pool
    serves (rework included), spread evenly over the pool's opening minutes; a
    mean service time averaged over those steps by their passes; the pool's
    desks. It is an estimate from the model (no hourly peaks, exponential
    service), not a measurement; a pool whose work exceeds its desks' time has
    no finite wait (``None``, with the reason). Steps without a pool have no
    queue in the model and get no wait point. Written out here rather than
    taken from :mod:`simulations.queueing`, which this layer may not import;
    the Erlang B recursion keeps it exact for any number of desks.

Elapsed-time ruler
    Along the drawn path, the median elapsed time at the start of each step:
    the latest of its predecessors' ends plus the handoff's median transfer
    (``delay``) and median backlog; a step ends after its expected queue and
    its median work time. Nights and closed days between steps are not
    added (the model holds no clock here), so the ruler is a lower bound on
    calendar time.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> from journeys._blueprint_layout import layout
>>> j = load_catalog("business-licence")
>>> q = counter_queues(j)
>>> sorted(k for k, v in q.items() if v.minutes is not None)[:2]
['collect_licence', 'police_clearance']
>>> start = elapsed(j, layout(j), q)
>>> start[0], start[1] > 1440  # the village certificate, then the papers carried for days
(0.0, True)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from journeys.model import Distribution, Journey

__all__ = ["Queue", "counter_queues", "elapsed", "wq_minutes"]


@dataclass(frozen=True)
class Queue:
    """The expected queue at a counter step: minutes (``None`` when unbounded) and why."""

    minutes: float | None
    why: str


def wq_minutes(lam: float, mu: float, c: int) -> float | None:
    """Mean wait in an M/M/c queue, ``None`` when ``lam >= c * mu``.

    Examples
    --------
    >>> round(wq_minutes(10, 4, 3), 6), round(wq_minutes(9, 1, 10), 6)
    (0.351124, 0.668732)
    >>> wq_minutes(5, 1, 5) is None
    True
    """
    a = lam / mu
    if a >= c:
        return None
    b = 1.0
    for k in range(1, c + 1):  # Erlang B, B_k = a B_{k-1} / (k + a B_{k-1})
        b = a * b / (k + a * b)
    erlang_c = c * b / (c - a * (1.0 - b))
    return erlang_c / (c * mu - lam)


def counter_queues(journey: Journey) -> dict[str, Queue]:
    """The expected queue of every citizen-present step that has a desk pool."""
    from journeys.metrics import _passes

    j = journey
    passes = dict(zip(j.step_ids, _passes(j)))
    by_pool: dict[str, list] = defaultdict(list)
    for s in j.steps:
        if s.pool:
            by_pool[s.pool].append(s)
    out: dict[str, Queue] = {}
    for pool_id, steps in by_pool.items():
        counter = [s for s in steps if s.citizen_present]
        if not counter:
            continue
        pool = j.pool(pool_id)
        open_min = j.calendar(pool.calendar).minutes_open_per_day
        visits = sum(float(passes[s.id]) for s in steps)
        work = sum(float(passes[s.id]) * s.duration.mean for s in steps)
        if visits <= 0 or open_min <= 0 or work <= 0:
            continue
        lam = j.arrivals.per_day * visits / open_min
        mu = visits / work  # 1 / mean service time
        wq = wq_minutes(lam, mu, pool.capacity)
        if wq is None:
            use = lam / (pool.capacity * mu)
            q = Queue(None, f"desks overloaded ({use:.0%} of their time): the queue grows")
        else:
            q = Queue(wq, "M/M/c estimate")
        out |= {s.id: q for s in counter}
    return out


def elapsed(journey: Journey, lay, queues: dict[str, Queue]) -> list[float]:  # noqa: ANN001
    """Median elapsed minutes at the start of each drawn step (see the module's rule)."""
    into: dict[int, list] = defaultdict(list)
    for s, d, t in lay.edges:
        into[d].append((s, t))
    start: list[float] = []
    end: list[float] = []
    for k, sid in enumerate(lay.order):
        step = journey.step(sid)
        t0 = 0.0
        for s, t in into[k]:
            t0 = max(t0, end[s] + _median(t.delay) + _median(t.backlog))
        if not into[k] and end:
            t0 = end[-1]
        start.append(t0)
        q = queues.get(sid)
        wait = q.minutes if q is not None and q.minutes is not None else 0.0
        end.append(t0 + wait + _median(step.duration))
    return start + [max(end, default=0.0)]


def _median(d: Distribution | None) -> float:
    if d is None:
        return 0.0
    return float(d.quantile([0.5])[0])
