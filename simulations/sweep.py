"""Sweeps: KPIs of one or more designs as demand, desks or courier runs change.

:func:`sweep` runs every design at every point of one variable, each point
over the same replications with the same seeds (common random numbers, so
the curves are smooth and comparable), measures them against a queue
standard and an optional lead-time target (:mod:`simulations.probes`), and
finds where each design stops meeting them. The variables:

``arrivals``
    Multiples of each design's own daily demand (``1x:2x:0.25x``).
``desks``
    The desks of one pool (``POOL=1:6``); a design without that pool is refused.
``courier``
    Courier runs a working day (``1:4``): every courier handoff leaves ``n``
    times a day, at the ends of ``n`` equal parts of the sending desks'
    working day (from the first opening to the last closing): 1 run leaves at
    closing time, 2 at midday and at closing.

*Holds up to* is the last point of the range before the first that misses a
target, in the range's order ("the one-door centre holds up to 1.5x today's
demand"): for demand an increasing range asks how much more a design takes;
for desks a decreasing one asks how few it can do with. A design that
misses at the first point holds nowhere in the range; one that never misses
holds over all of it, and the report says the limit lies beyond.

Examples
--------
>>> parse_range("1x:2x:0.25x", option="--arrivals")
[1.0, 1.25, 1.5, 1.75, 2.0]
>>> parse_range("5:2", option="--desks")
[5.0, 4.0, 3.0, 2.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from journeys.errors import InputError
from journeys.model import Journey
from simulations.probes import Standard, Summary, parse_standard, probe_all

__all__ = ["MAX_POINTS", "Sweep", "SweepPoint", "courier_times", "parse_range", "sweep"]

#: Most points of one sweep (each is a full set of replications per design).
MAX_POINTS = 50


def parse_range(text: str, *, option: str, whole: bool = False) -> list[float]:
    """``START:STOP[:STEP]`` (an ``x`` after a number is allowed), both ends included.

    The step defaults to 1 (or to 0.25 for multiples written with ``x``) and
    takes the sign that walks from start to stop.

    Examples
    --------
    >>> parse_range("0.5x:1x", option="--arrivals")
    [0.5, 0.75, 1.0]
    >>> parse_range("3", option="--desks")
    [3.0]
    >>> parse_range("1:x", option="--arrivals")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --arrivals: '1:x' is not a range; write START:STOP[:STEP], e.g. 1x:2x:0.25x
    """
    parts = [p.strip().lower() for p in str(text).split(":")]
    times = any(p.endswith("x") for p in parts)
    try:
        nums = [float(p[:-1] if p.endswith("x") else p) for p in parts]
    except ValueError:
        nums = []
    if not 1 <= len(nums) <= 3 or not all(math.isfinite(x) for x in nums):
        raise InputError(
            f"{option}: {text!r} is not a range; write START:STOP[:STEP], e.g. 1x:2x:0.25x"
        )
    if len(nums) == 1:
        values = [nums[0]]
    else:
        start, stop = nums[0], nums[1]
        step = abs(nums[2]) if len(nums) == 3 else (0.25 if times else 1.0)
        if step == 0:
            raise InputError(f"{option}: {text!r}: the step must not be 0")
        n = math.floor(abs(stop - start) / step + 1e-9) + 1
        if n > MAX_POINTS:
            raise InputError(
                f"{option}: {text!r} has {n} points; at most {MAX_POINTS} (each point is a full"
                " set of replications)"
            )
        sign = 1.0 if stop >= start else -1.0
        values = [round(start + sign * k * step, 10) for k in range(n)]
    if whole and any(v != int(v) or v < 1 for v in values):
        raise InputError(f"{option}: {text!r}: desks and runs are whole numbers >= 1")
    if any(v <= 0 for v in values):
        raise InputError(f"{option}: {text!r}: every point must be above 0")
    return values


def courier_times(journey: Journey, pool: str | None, runs: int) -> tuple[str, ...]:
    """``runs`` departure times evenly over the working day of ``pool``'s calendar.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> courier_times(load_catalog("business-licence"), "doic_desk", 2)
    ('12:00', '16:00')
    """
    cal = journey.calendar(journey.pool(pool).calendar) if pool else None
    iv = cal.intervals_minutes() if cal is not None else ((0, 1440),)
    first, last = min(a for a, _ in iv), max(b for _, b in iv)
    out = []
    for k in range(1, runs + 1):
        t = min(round(first + (last - first) * k / runs), 1439)
        out.append(f"{t // 60:02d}:{t % 60:02d}")
    return tuple(out)


def _at(journey: Journey, variable: str, value: float, pool: str | None) -> Journey:
    if variable == "desks":
        return replace(journey, pools=tuple(
            replace(p, capacity=int(value)) if p.id == pool else p for p in journey.pools))  # fmt: skip
    if variable == "courier":
        ts = []
        for t in journey.transitions:
            if t.carrier == "courier":
                src = journey.step(t.source).pool
                t = replace(t, batch_times=courier_times(journey, src, int(value)))
            ts.append(t)
        return replace(journey, transitions=tuple(ts))
    return journey


@dataclass(frozen=True)
class SweepPoint:
    """One design at one point: the figures of :mod:`simulations.probes` with CIs."""

    design: str
    value: float
    summary: Summary
    meets: bool
    misses: tuple[str, ...]


@dataclass(frozen=True)
class Sweep:
    """Every design at every point, and where each stops meeting the targets.

    ``holds`` maps a design to the last point before the first miss (None when
    it misses at the first point); ``beyond`` lists the designs that met the
    targets at every point.
    """

    variable: str
    pool: str | None
    values: tuple[float, ...]
    designs: tuple[str, ...]
    points: tuple[SweepPoint, ...]
    holds: dict[str, float | None]
    beyond: tuple[str, ...]
    standard: Standard
    lead_target: Standard | None
    replications: int
    days: int
    tail_days: int

    def sentence(self, design: str) -> str:
        """What the sweep says of one design, in words."""
        v = self.holds[design]
        fmt = (lambda x: f"{x:g}x today's demand") if self.variable == "arrivals" else (
            (lambda x: f"{x:g} desks at {self.pool}") if self.variable == "desks"
            else (lambda x: f"{x:g} courier runs a day"))  # fmt: skip
        first, last = self.values[0], self.values[-1]
        if v is None:
            return f"{design} misses the targets already at {fmt(first)}."
        if design in self.beyond:
            return f"{design} meets the targets over the whole range, up to {fmt(last)}."
        if self.values[-1] < self.values[0]:  # a decreasing range: how few will do
            return f"{design} holds down to {fmt(v)}; fewer miss the targets."
        return f"{design} holds up to {fmt(v)}."


def sweep(
    journeys: Sequence[Journey],
    *,
    arrivals: Sequence[float] | None = None,
    desks: tuple[str, Sequence[float]] | None = None,
    courier: Sequence[float] | None = None,
    standard: Standard | str = "85% within 15 min",
    lead_target: Standard | str | None = None,
    replications: int = 10,
    days: int | None = None,
    warmup_days: int = 5,
    tail_days: int | None = None,
    seed: int = 1,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> Sweep:
    """Sweep one variable over ``journeys`` (see the module docstring).

    Exactly one of ``arrivals`` (multiples), ``desks`` (``(pool, values)``) and
    ``courier`` (runs a day) is given.
    """
    from simulations.horizon import fit_horizon

    given = [(n, v) for n, v in (("arrivals", arrivals), ("desks", desks),
                                  ("courier", courier)) if v is not None]  # fmt: skip
    if len(given) != 1:
        raise InputError("sweep one variable: give exactly one of --arrivals, --desks, --courier")
    variable = given[0][0]
    pool = None
    if variable == "desks":
        pool, values = desks  # type: ignore[misc]
        for j in journeys:
            if pool not in {p.id for p in j.pools}:
                known = ", ".join(p.id for p in j.pools)
                raise InputError(f"--desks: {j.id} has no pool {pool!r} (its pools: {known})")
    else:
        values = given[0][1]  # type: ignore[assignment]
    if variable == "courier" and not any(
        t.carrier == "courier" for j in journeys for t in j.transitions
    ):
        raise InputError("--courier: no design has a courier handoff to sweep")
    values = [float(v) for v in values]
    std = parse_standard(standard) if isinstance(standard, str) else standard
    lead = (parse_standard(lead_target, option="--lead-time") if isinstance(lead_target, str)
            else lead_target)  # fmt: skip
    names = [j.id for j in journeys]
    if len(set(names)) != len(names):
        raise InputError("give each design once (their ids must differ)")
    if days is None or tail_days is None:
        h = fit_horizon(list(journeys), warmup_days=warmup_days)
        days = h.days if days is None else days
        tail_days = h.tail_days if tail_days is None else tail_days
    grid = [(j, v) for j in journeys for v in values]
    runs = [_at(j, variable, v, pool) for j, v in grid]
    rates = [j.arrivals.per_day * v if variable == "arrivals" else None for j, v in grid]
    sums = probe_all(runs, standard=std, lead_target=lead, replications=replications, days=days,
                     warmup_days=warmup_days, tail_days=tail_days, seed=seed,
                     arrivals_per_day=rates, jobs=jobs, scheduler=scheduler,
                     dask_local=dask_local)  # fmt: skip
    points = []
    for (j, v), s in zip(grid, sums):
        misses = [k.split(":", 1)[1] for k in s.figures
                  if k.startswith("within:") and not s.mean(k) >= std.share]  # fmt: skip
        if lead is not None and not s.mean("lead_within") >= lead.share:
            misses.append("lead time")
        points.append(SweepPoint(j.id, v, s, not misses, tuple(misses)))
    holds: dict[str, float | None] = {}
    beyond = []
    for name in names:
        mine = [p for p in points if p.design == name]
        last = None
        for p in mine:
            if not p.meets:
                break
            last = p.value
        else:
            beyond.append(name)
        holds[name] = last
    return Sweep(variable, pool, tuple(values), tuple(names), tuple(points), holds,
                 tuple(beyond), std, lead, replications, days, tail_days)  # fmt: skip
