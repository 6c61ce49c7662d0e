"""Staffing and hours search: the fewest desks that meet a service standard, at least cost.

:func:`optimize_staffing` finds, for every pool of a journey, the number of
desks (and, among the opening-hour plans offered, the hours) that meet a queue
standard ("85% within 15 min" at every citizen-facing desk) and an optional
lead-time target ("90% within 20 days") at the least staff cost, by
simulation with common random numbers. The rules:

Cost
    Staff cost of a week: desks x open hours a week x the pool's
    ``cost_per_hour``. A pool without a cost takes ``desk_cost`` when given;
    when some pool has no cost at all, money is *not recorded* and the search
    minimises desk-hours a week instead (and says so).
Bounds from queueing theory
    Every pool is read as an M/M/c queue (:mod:`simulations.queueing`):
    arrivals per open minute from the journey's daily demand times the
    expected passes through its steps, the mean work of those steps. Its
    *lower* bound is the fewest desks that keep up with the mean demand
    (utilisation below 1): with fewer the line grows without end, whatever
    the work-time distribution. Its *start* is the fewest that meet the queue
    standard by Erlang C at the peak rate (the busiest hour of the busiest
    weekday of the arrival profile; for a back office, the fewest that keep
    up with it). Demand that peaks needs more desks than the mean says, rarely
    more than the peak says; work times less variable than exponential need
    fewer, which is why the search goes down to the lower bound.
Search
    Start with every pool at its start; while the candidate fails, add a desk
    to each pool that misses the standard (or, when only the lead-time target
    fails, to the busiest pool), at most ``max_rounds`` times. Then, pool by
    pool, from the most expensive desk-hour down, a bisection between the
    lower bound and the current desks finds the fewest that still meet every
    target, the other pools held. Every candidate is simulated over the same
    ``replications`` with the same seeds (common random numbers), and a
    candidate *meets* a target when the mean over replications does; the
    95% CIs are reported with it. Candidates are simulated once and remembered.
Opening hours
    Each plan of ``hours`` (e.g. ``("07:30-12:00", "13:00-17:00")``) gives every
    pool calendar those hours (working days kept); the search runs per plan
    and the cheapest plan that meets the targets wins. Without plans, the
    journey's own hours are kept. The arrivals follow the first desk's hours,
    so a plan also spreads citizens over the new hours.

Examples
--------
An M/M/c counter open round the clock: 0.2 citizens a minute, 10 minutes of
work, "80% within 5 min". Three desks keep up (two cannot), Erlang C asks
for four (``service_level`` 0.94; three give 0.73):

>>> j = one_pool_journey(0.2, 10.0, desks=9)
>>> erlang_bounds(j, parse_standard("80% within 5 min"))["desk"]
(3, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from journeys.errors import InputError
from journeys.model import Journey
from simulations.probes import Standard, Summary, facing_pools, parse_standard, probe_all

__all__ = [
    "Candidate",
    "StaffingPlan",
    "erlang_bounds",
    "one_pool_journey",
    "optimize_staffing",
    "parse_standard",
    "pool_rates",
    "service_level",
]


def service_level(lam: float, mu: float, c: int, minutes: float) -> float:
    """Share of an M/M/c queue's citizens served within ``minutes``: ``1 - C e^{-(c mu - lam) t}``.

    0 when the queue is unstable (``lam >= c mu``).

    Examples
    --------
    >>> round(service_level(0.2, 0.1, 3, 5.0), 4)  # C = 4/9, c mu - lam = 0.1
    0.7304
    """
    from simulations.queueing import erlang_c

    if lam <= 0:
        return 1.0
    if lam >= c * mu:
        return 0.0
    return 1.0 - erlang_c(lam, mu, c) * math.exp(-(c * mu - lam) * minutes)


def one_pool_journey(
    per_minute: float, mean_minutes: float, *, desks: int, cost_per_hour: float = 10.0
) -> Journey:
    """A one-step M/M/c journey open round the clock: Poisson arrivals, exponential work.

    The citizen is present, so the queue standard applies: the oracle of the
    optimiser's tests (Erlang C gives its answer in closed form).

    Examples
    --------
    >>> one_pool_journey(0.5, 3.0, desks=2).arrivals.per_day
    720.0
    """
    from journeys.model import Agency, Arrivals, Calendar, Distribution, Door, Pool, Step

    week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return Journey(
        id="counter",
        name="One counter (M/M/c)",
        start="serve",
        steps=(
            Step("serve", "a", Distribution("exponential", {"mean": float(mean_minutes)}),
                 name="Serve", door="office", pool="desk", citizen_present=True),
        ),  # fmt: skip
        transitions=(),
        agencies=(Agency("a"),),
        doors=(Door("office", "Office", agency="a"),),
        pools=(Pool("desk", capacity=desks, calendar="all", cost_per_hour=cost_per_hour),),
        calendars=(Calendar("all", (("00:00", "24:00"),), week),),
        arrivals=Arrivals(per_day=float(per_minute) * 1440.0),
    )


def pool_rates(journey: Journey) -> dict[str, tuple[float, float, float]]:
    """Per pool ``(mean arrivals per open minute, peak arrivals per open minute, mu)``.

    ``mu`` is one desk's service rate (1 / mean work of the pool's steps,
    weighted by their expected passes). The peak is the mean times the
    busiest hour's and the busiest weekday's weight over their means.
    """
    from journeys.metrics import static_metrics

    passes = static_metrics(journey).expected_passes
    a = journey.arrivals
    hw = [float(v) for v in a.hourly.values() if v > 0]
    hour_peak = max(hw) / (sum(hw) / len(hw)) if hw else 1.0
    out = {}
    for p in journey.pools:
        cal = journey.calendar(p.calendar)
        visits = work = 0.0
        for s in journey.steps:
            if s.pool == p.id:
                visits += passes.get(s.id, 0.0)
                work += passes.get(s.id, 0.0) * s.duration.mean
        days = list(cal.days)
        ww = [float(a.weekday.get(d, 1.0)) for d in days] or [1.0]
        day_peak = max(ww) / (sum(ww) / len(ww))
        open_min = cal.minutes_open_per_day
        lam = a.per_day * visits / open_min if open_min > 0 and visits > 0 else 0.0
        mu = visits / work if work > 0 else math.inf
        out[p.id] = (lam, lam * hour_peak * day_peak, mu)
    return out


def _fewest(rate: float, mu: float, standard: Standard, serve: bool) -> int:
    """Fewest desks that keep up with ``rate`` (and, if ``serve``, meet the standard)."""
    if rate <= 0 or math.isinf(mu):
        return 1
    c = max(1, math.floor(rate / mu) + 1)
    while serve and service_level(rate, mu, c, standard.minutes) < standard.share:
        c += 1
    return c


def erlang_bounds(journey: Journey, standard: Standard) -> dict[str, tuple[int, int]]:
    """Per pool ``(lower bound, start)`` of the desks, from Erlang C (module docstring)."""
    facing = set(facing_pools(journey))
    out = {}
    for pool, (lam, peak, mu) in pool_rates(journey).items():
        low = _fewest(lam, mu, standard, False)
        out[pool] = (low, max(low, _fewest(peak, mu, standard, pool in facing)))
    return out


@dataclass(frozen=True)
class Candidate:
    """One simulated staffing: desks per pool, an hours plan, its cost and figures.

    ``cost`` is a week's staff cost (NaN when money is not recorded),
    ``desk_hours`` a week's open desk-hours; ``meets`` says whether the
    means meet every target, ``misses`` which targets they miss.
    """

    desks: tuple[tuple[str, int], ...]
    hours: str
    cost: float
    desk_hours: float
    summary: Summary
    meets: bool
    misses: tuple[str, ...]

    @property
    def total_desks(self) -> int:
        """Desks over all pools."""
        return sum(c for _, c in self.desks)


@dataclass(frozen=True)
class StaffingPlan:
    """What :func:`optimize_staffing` found.

    Attributes
    ----------
    journey : Journey
        The journey with the chosen desks and hours (the input when none meets).
    chosen : Candidate or None
        The cheapest candidate that meets every target; None when none did.
    today : Candidate
        The journey as it is.
    candidates : tuple of Candidate
        Every candidate simulated, in the order of the search.
    bounds : dict of str to (int, int)
        Erlang C lower bound and start per pool (first hours plan).
    simulations : int
        Simulated runs spent (candidates x replications).
    cost_basis : str
        What the cost is: money or desk-hours, and what was assumed.
    """

    journey: Journey
    chosen: Candidate | None
    today: Candidate
    candidates: tuple[Candidate, ...]
    bounds: dict[str, tuple[int, int]]
    standard: Standard
    lead_target: Standard | None
    replications: int
    days: int
    tail_days: int
    simulations: int
    money: bool
    cost_basis: str
    notes: tuple[str, ...] = field(default=())


def _with_hours(journey: Journey, plan: tuple[str, ...] | None) -> Journey:
    if plan is None:
        return journey
    pairs = []
    for h in plan:
        parts = [x.strip() for x in str(h).split("-")]
        if len(parts) != 2 or not all(parts):
            raise InputError(f"--hours: opening hours must look like 08:00-12:00, got {h!r}")
        pairs.append((parts[0], parts[1]))
    used = {p.calendar for p in journey.pools}
    cals = tuple(replace(c, hours=tuple(pairs)) if c.id in used else c for c in journey.calendars)
    out = replace(journey, calendars=cals)
    from journeys.validate import validate

    validate(out)  # names the bad clock time
    return out


def _staffed(journey: Journey, desks: dict[str, int]) -> Journey:
    return replace(journey, pools=tuple(replace(p, capacity=desks[p.id]) for p in journey.pools))


def optimize_staffing(
    journey: Journey,
    *,
    standard: Standard | str = "85% within 15 min",
    lead_target: Standard | str | None = None,
    desk_cost: float | None = None,
    hours: Sequence[Sequence[str]] = (),
    replications: int = 10,
    days: int | None = None,
    warmup_days: int = 5,
    tail_days: int | None = None,
    seed: int = 1,
    max_rounds: int = 12,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> StaffingPlan:
    """The cheapest desks (and hours plan) meeting the standards; see the module docstring.

    Parameters
    ----------
    journey : Journey
    standard : Standard or str
        Queue standard at every citizen-facing desk.
    lead_target : Standard or str, optional
        Share of cases finished within a lead time, e.g. ``"90% within 20 days"``.
    desk_cost : float, optional
        Cost of a desk-hour for pools that have no ``cost_per_hour``.
    hours : sequence of sequence of str
        Opening-hour plans to try besides the journey's own.
    replications, days, warmup_days, tail_days, seed
        The runs of every candidate; ``days`` and ``tail_days`` default to
        :func:`simulations.horizon.fit_horizon`.
    max_rounds : int
        Rounds of adding desks when the start misses the targets.
    jobs, scheduler, dask_local
        Where replications run (:func:`simulations.executors.map_tasks`).

    Raises
    ------
    journeys.errors.InputError
        For a journey with nothing to measure (no citizen-facing desk and no
        lead-time target), or options that cannot work.
    """
    from simulations.horizon import fit_horizon

    if dask_local is not None and scheduler is None:
        # one in-process cluster for the whole search, not one per candidate
        from simulations.executors import ExecutorError

        if isinstance(dask_local, bool) or not isinstance(dask_local, int) or dask_local < 1:
            raise ExecutorError(f"dask_local must be a whole number >= 1, got {dask_local!r}")
        from distributed import LocalCluster

        with LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=40) as cluster:  # fmt: skip
            return optimize_staffing(
                journey, standard=standard, lead_target=lead_target, desk_cost=desk_cost,
                hours=hours, replications=replications, days=days, warmup_days=warmup_days,
                tail_days=tail_days, seed=seed, max_rounds=max_rounds, jobs=jobs,
                scheduler=cluster.scheduler_address,
            )  # fmt: skip
    std = parse_standard(standard) if isinstance(standard, str) else standard
    lead = (
        parse_standard(lead_target, option="--lead-time")
        if isinstance(lead_target, str)
        else lead_target
    )
    if not journey.pools:
        raise InputError(f"{journey.id}: the journey has no desk pools: no staffing to search")
    if not facing_pools(journey) and lead is None:
        raise InputError(
            f"{journey.id}: no step needs the citizen at a desk (citizen_present), so the queue"
            f" standard {std.text!r} has nothing to measure; give a lead-time target"
            " (--lead-time) or mark the citizen-facing steps (odsc calibrate --citizen-steps)"
        )
    if desk_cost is not None and not (math.isfinite(desk_cost) and desk_cost > 0):
        raise InputError(f"--desk-cost must be a number > 0, got {desk_cost!r}")
    for name, v, low in (("replications", replications, 2), ("max_rounds", max_rounds, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise InputError(f"{name} must be a whole number >= {low}, got {v!r}")
    unpriced = [p.id for p in journey.pools if not p.cost_per_hour]
    money = not unpriced or desk_cost is not None
    rate = {p.id: float(p.cost_per_hour or (desk_cost or 0.0)) for p in journey.pools}
    if not unpriced:
        basis = f"staff cost a week in {journey.currency}, from the pools' cost per desk-hour"
    elif desk_cost is not None:
        basis = (
            f"staff cost a week in {journey.currency}; pools without a cost per hour"
            f" ({', '.join(unpriced)}) at the assumed {desk_cost:,g} a desk-hour (--desk-cost)"
        )
    else:
        basis = (
            f"money not recorded (pools {', '.join(unpriced)} have no cost per hour; give"
            " --desk-cost): the search minimises open desk-hours a week"
        )
    plans: list[tuple[str, tuple[str, ...] | None]] = [("as is", None)]
    plans += [(", ".join(p), tuple(p)) for p in hours]
    variants = [(name, _with_hours(journey, plan)) for name, plan in plans]
    if days is None or tail_days is None:
        h = fit_horizon([v for _, v in variants], warmup_days=warmup_days)
        days = h.days if days is None else days
        tail_days = h.tail_days if tail_days is None else tail_days
    pools = [p.id for p in journey.pools]
    facing = facing_pools(journey)
    seen: dict[tuple[str, tuple[int, ...]], Candidate] = {}
    order: list[Candidate] = []

    def week_hours(j: Journey, pool: str) -> float:
        cal = j.calendar(j.pool(pool).calendar)
        return cal.minutes_open_per_day / 60.0 * len(cal.days)

    def evaluate(name: str, base: Journey, desks: dict[str, int]) -> Candidate:
        key = (name, tuple(desks[p] for p in pools))
        if key in seen:
            return seen[key]
        j = _staffed(base, desks)
        (s,) = probe_all([j], standard=std, lead_target=lead, replications=replications,
                         days=days, warmup_days=warmup_days, tail_days=tail_days, seed=seed,
                         jobs=jobs, scheduler=scheduler, dask_local=dask_local)  # fmt: skip
        misses = [p for p in facing if not s.mean(f"within:{p}") >= std.share]
        if lead is not None and not s.mean("lead_within") >= lead.share:
            misses.append("lead time")
        dh = sum(desks[p] * week_hours(j, p) for p in pools)
        cost = sum(desks[p] * week_hours(j, p) * rate[p] for p in pools) if money else math.nan
        cand = Candidate(tuple((p, desks[p]) for p in pools), name, cost, dh, s, not misses,
                         tuple(misses))  # fmt: skip
        seen[key] = cand
        order.append(cand)
        return cand

    def price(c: Candidate) -> float:
        return c.cost if money else c.desk_hours

    today = evaluate("as is", variants[0][1], {p.id: p.capacity for p in journey.pools})
    best: Candidate | None = None
    all_bounds: dict[str, tuple[int, int]] = {}
    notes: list[str] = []
    for name, base in variants:
        bounds = erlang_bounds(base, std)
        if not all_bounds:
            all_bounds = bounds
        desks = {p: bounds[p][1] for p in pools}
        cand = evaluate(name, base, desks)
        rounds = 0
        while not cand.meets and rounds < max_rounds:
            rounds += 1
            short = [p for p in cand.misses if p in desks]
            if not short:  # only the lead time: the busiest pool gets a desk
                short = [max(pools, key=lambda p: cand.summary.mean(f"util:{p}"))]
            for p in short:
                desks[p] += 1
            cand = evaluate(name, base, desks)
        if not cand.meets:
            notes.append(
                f"hours {name}: no staffing met the targets within {max_rounds} rounds of"
                f" adding desks (still missed: {', '.join(cand.misses)})"
            )
            continue
        for p in sorted(pools, key=lambda p: -rate[p] * week_hours(base, p)):
            lo, hi = bounds[p][0], desks[p]
            while lo < hi:
                mid = (lo + hi) // 2
                if evaluate(name, base, {**desks, p: mid}).meets:
                    hi = mid
                else:
                    lo = mid + 1
            desks[p] = hi
        cand = evaluate(name, base, desks)
        if cand.meets and (best is None or price(cand) < price(best)):
            best = cand
    chosen_journey = journey
    if best is not None:
        base = dict(variants)[best.hours]
        chosen_journey = _staffed(base, dict(best.desks))
    return StaffingPlan(
        journey=chosen_journey,
        chosen=best,
        today=today,
        candidates=tuple(order),
        bounds=all_bounds,
        standard=std,
        lead_target=lead,
        replications=replications,
        days=days,
        tail_days=tail_days,
        simulations=len(order) * replications,
        money=money,
        cost_basis=basis,
        notes=tuple(notes),
    )
