"""Discrete-event simulation of a service journey with SimPy.

:func:`simulate` runs citizens through a :class:`journeys.model.Journey` and
returns a :class:`SimulationResult`: the event log in the canonical schema of
the project, the utilisation of every pool, the queue lengths over time and the
case counts. The semantics, decision by decision:

Clock and horizon
    Minutes from midnight of ``start_date``, written to the log as UTC (see
    :mod:`simulations.calendar`). ``days`` counts the days on which citizens
    arrive, i.e. the days the *arrival calendar* opens (the calendar of the first
    step's desks; the journey's first calendar when that step has no desks).
    The run ends at midnight after the last of them; cases still open then are
    counted ``in_system``. Services still running at the end are not in the log.
Warm-up
    Cases that arrive before the first of the ``days`` that is not one of the
    ``warmup_days`` are simulated (they load the desks) and counted
    (``warmup_arrived``) but none of their events is in the log; utilisation,
    staff cost and queue lengths cover the measured period only.
Arrivals
    Drawn from the journey's profile (:mod:`simulations.arrivals`), or replayed
    from ``arrivals``, case start times of a real log. A share
    ``appointment_share`` of citizens hold an appointment.
Desks
    A step with a pool asks one of the pool's desks; a step without a pool has
    no queue and starts at once, at any hour. Waiting citizens are served by
    priority class (appointments first), then in order of arrival at the step
    (first in, first out). Desks work only in their calendar's hours: **no
    service starts outside opening hours**, but **a started service runs to its
    end**, even past closing or into lunch. The desk pool is written on SimPy
    events rather than ``simpy.PriorityResource`` for speed: the latter re-sorts
    its queue on every request and spends two events per service on the request
    and the release; the order of service is the same.
Closing time
    A citizen-present step whose citizen is still queuing when the desks close
    for the day (not at lunch) goes home and comes back at the next opening (a
    new visit): the citizen keeps the place given by the original arrival, and
    the event's ``odsc:visit`` counts the days the citizen came for it (1 when
    served on the first). A citizen who reaches a closed door waits for it to
    open. Back-office work (citizen not present) simply waits in the queue
    overnight.
Routing
    After an ``xor`` step one draw of the step's routing stream picks the next
    step by the transitions' probabilities (rework loops are such branches);
    with a single way out there is no draw. An ``and`` step starts every
    outgoing branch as its own SimPy process. An ``and`` join waits for as many
    branches as it has incoming transitions; the last one to arrive carries on
    (so the join starts after every branch is done), the others end there.
    Counting arrivals at the join, rather than waiting on ``simpy.AllOf`` of
    the branch processes, needs no pairing of splits with joins.
Carriers
    ``citizen``: the travel time (the transition's ``delay``; by default the
    next door's ``travel_minutes``), then the next step's queue, waiting for the
    door to open if it is closed. ``courier``: the next batch (each of
    ``batch_times``, by default 15:00, on a working day of the sending desks'
    calendar; a dossier ready exactly at batch time makes it) plus the
    ``delay`` (default 0). ``digital`` and no carrier: the ``delay`` (default 0).
Randomness
    One stream per purpose (:mod:`simulations.rng`): arrivals, appointments,
    each step's work times (drawn at the start of each service), each step's
    routing and each transition's delays. Same seed and replication, same log,
    byte for byte; the same citizens in every scenario.
A case is finished
    when every branch of it has ended at a step without successors.

Examples
--------
>>> from journeys import load_catalog
>>> res = simulate(load_catalog("business-licence"), days=10, seed=1)
>>> res.arrived == res.finished + res.in_system
True
>>> list(res.log.columns[:4])
['case:concept:name', 'concept:name', 'time:timestamp', 'start_timestamp']
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from journeys.errors import InputError
from journeys.model import Journey
from simulations.arrivals import arrival_times, replay_times
from simulations.calendar import DAY, OpeningHours, always_open, as_date, open_days
from simulations.checks import check_journey
from simulations.rng import draws, stream

__all__ = ["DEFAULT_START", "SimulationError", "SimulationResult", "simulate"]

#: Day 0 of a simulation unless told otherwise (a Monday).
DEFAULT_START: str = "2026-01-05"

_INF = math.inf


class SimulationError(InputError):
    """A simulation option that cannot work (no days, negative warm-up, ...)."""


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one simulated run produced.

    Attributes
    ----------
    log : pandas.DataFrame
        Events of the measured cases, in the canonical schema:
        ``case:concept:name``, ``concept:name`` (the step's name),
        ``time:timestamp`` and ``start_timestamp`` (UTC), ``org:resource`` (the
        desk, ``"<pool>#<n>"``; missing for steps without a pool),
        ``org:group`` (the agency), ``odsc:door``, ``odsc:citizen_present``,
        plus ``odsc:step`` (the step id), ``odsc:appointment`` and
        ``odsc:visit`` (days the citizen came for this service). Sorted by
        case, then completion.
    cases : pandas.DataFrame
        One row per measured case: ``case:concept:name``, ``arrival``,
        ``odsc:appointment``, ``finished`` (bool) and ``end`` (completion of its
        last step, missing when open).
    utilisation : dict of str to float
        Per pool: busy desk minutes over open desk minutes, measured period.
    queue_lengths : pandas.DataFrame
        Change points ``time`` (UTC), ``pool``, ``length``: the number waiting
        holds from each time to the pool's next point; the first point of every
        pool is at ``warmup_end``.
    arrived, finished, in_system, warmup_arrived : int
        Cases over the whole run (warm-up included): ``arrived = finished +
        in_system``; ``warmup_arrived`` of them arrived during the warm-up.
    staff_cost : float
        Cost of the pools' open desk hours over the measured period.
    start, warmup_end, end : pandas.Timestamp
        Start of the clock, of the measured period, and end of the run.
    """

    log: pd.DataFrame
    cases: pd.DataFrame
    utilisation: dict[str, float]
    queue_lengths: pd.DataFrame
    arrived: int
    finished: int
    in_system: int
    warmup_arrived: int
    staff_cost: float
    start: pd.Timestamp
    warmup_end: pd.Timestamp
    end: pd.Timestamp
    journey_id: str = ""
    seed: int = 0
    replication: int = 0

    @property
    def finished_cases(self) -> tuple[str, ...]:
        """Ids of the measured cases that finished within the run."""
        c = self.cases
        return tuple(c.loc[c["finished"], "case:concept:name"].tolist())

    def mean_queue_lengths(self) -> dict[str, float]:
        """Time-average number waiting per pool over the measured period.

        Examples
        --------
        >>> from journeys import load_catalog
        >>> r = simulate(load_catalog("business-licence"), days=5, seed=2)
        >>> sorted(r.mean_queue_lengths()) == sorted(r.utilisation)
        True
        """
        q = self.queue_lengths
        span = (self.end - self.warmup_end).total_seconds()
        out: dict[str, float] = {}
        for pool, part in q.groupby("pool", sort=False):
            t = part["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
            held = np.diff(np.append(t, self.end.value / 1e9))
            out[str(pool)] = float((held * part["length"].to_numpy()).sum() / span)
        return out


# ----------------------------------------------------------------- runtime


class _Desks:
    """The desks of one pool: free desk numbers and the waiting line (heaps)."""

    __slots__ = ("index", "id", "free", "waiting", "hours", "always", "base", "pool")

    def __init__(self, index: int, pool: Any, hours: OpeningHours, base: int) -> None:
        self.index = index
        self.id = pool.id
        self.pool = pool
        self.free = list(range(pool.capacity))
        # entries [priority class, arrival at the step, sequence, event, present, visit]
        self.waiting: list[list[Any]] = []
        self.hours = hours
        self.always = hours.always
        self.base = base


class _Step:
    __slots__ = ("index", "desks", "work", "present", "split_and", "join", "out", "cum", "route")


class _Move:
    __slots__ = ("target", "delay", "fixed", "batches")


class _Run:
    """One run: the SimPy environment, the compiled journey and the records."""

    def __init__(self, journey: Journey, env: Any, start: Any, n_days: int, seed: int, rep: int):
        self.env = env
        self.start = start
        self.n_days = n_days
        self.events: list[tuple[int, int, float, float, int, int]] = []
        self.qlog: list[tuple[int, float, int]] = []
        self.tokens: dict[tuple[int, int], int] = {}
        self.seq = 0
        cal = {c.id: c for c in journey.calendars}
        hours = {
            cid: OpeningHours.build(c, start_date=start, days=n_days) for cid, c in cal.items()
        }
        self.desks: dict[str, _Desks] = {}
        base = 0
        for i, p in enumerate(journey.pools):
            self.desks[p.id] = _Desks(i, p, hours[p.calendar], base)
            base += p.capacity
        self.steps: dict[str, _Step] = {}
        for i, s in enumerate(journey.steps):
            st = _Step()
            st.index = i
            st.desks = self.desks[s.pool] if s.pool is not None else None
            rng = stream(seed, f"duration:{s.id}", replication=rep)
            st.work = draws(lambda n, d=s.duration, g=rng: d.sample(g, n)).__next__
            st.present = bool(s.citizen_present)
            st.split_and = s.split == "and"
            st.join = len(journey.predecessors(s.id)) if s.join == "and" else 0
            self.steps[s.id] = st
        doors = {d.id: d for d in journey.doors}
        for s in journey.steps:
            st = self.steps[s.id]
            out = journey.successors(s.id)
            st.out = tuple(self._move(journey, t, doors, hours, seed, rep) for t in out)
            st.cum, st.route = [], None
            if not st.split_and and len(out) > 1:
                p = np.cumsum([t.probability for t in out])
                st.cum = (p[:-1] / p[-1]).tolist()
                st.route = draws(stream(seed, f"routing:{s.id}", replication=rep).random).__next__

    def _move(self, journey, t, doors, hours, seed, rep) -> _Move:  # type: ignore[no-untyped-def]
        m = _Move()
        m.target = self.steps[t.target]
        m.delay = None
        m.fixed = 0.0
        if t.delay is not None:
            g = stream(seed, f"delay:{t.source}->{t.target}", replication=rep)
            m.delay = draws(lambda n, d=t.delay, g=g: d.sample(g, n)).__next__
        elif t.carrier == "citizen":
            door = journey.step(t.target).door
            m.fixed = float(doors[door].travel_minutes) if door in doors else 0.0
        m.batches = None
        if t.carrier == "courier":
            src = journey.step(t.source)
            h = self.desks[src.pool].hours if src.pool is not None else None
            if h is None:
                h = OpeningHours.build(always_open(), start_date=self.start, days=self.n_days)
            clock = [_clock(x) for x in (t.batch_times or ("15:00",))]
            m.batches = h.clock_times(clock)
        return m

    # -- processes ----------------------------------------------------------
    def source(self, times: Sequence[float], first: _Step, prio: Sequence[int]):  # type: ignore[no-untyped-def]
        """Start one case process per arrival time."""
        env = self.env
        self.prio = prio
        self.live = [0] * len(times)
        self.done = [_INF] * len(times)
        process, timeout, walk, live = env.process, env.timeout, self.walk, self.live
        gaps = np.diff(np.asarray(times, dtype=float), prepend=0.0).tolist()
        for c, gap in enumerate(gaps):
            if gap > 0:
                yield timeout(gap)
            live[c] = 1
            process(walk(c, first, None))

    def walk(self, c: int, step: _Step | None, move: _Move | None):  # type: ignore[no-untyped-def]
        """One branch of case ``c``: serve steps and move on until it ends.

        The hot path (a free desk in an open pool) is written out inline: this
        loop runs once per service and its speed is the engine's speed.
        """
        env = self.env
        timeout = env.timeout
        record = self.events.append
        if move is not None:
            wait = self.transit(move)
            if wait > 0:
                yield timeout(wait)
            step = move.target
        while True:
            if step.join:
                key = (c, step.index)
                n = self.tokens.get(key, 0) + 1
                if n < step.join:
                    self.tokens[key] = n
                    self.end_branch(c)
                    return
                self.tokens.pop(key, None)
            desks = step.desks
            if desks is None:
                now = env.now
                d = step.work()
                record((c, step.index, now, now + d, -1, 1))
                yield timeout(d)
            else:
                if desks.free and not desks.waiting and (desks.always or desks.hours.is_open(env.now)):
                    desk = heappop(desks.free)
                    visit = 1
                else:
                    entry = self.enqueue(desks, c, step.present)
                    desk = yield entry[3]
                    visit = entry[5]
                    self.qlog.append((desks.index, env.now, -1))
                now = env.now
                d = step.work()
                record((c, step.index, now, now + d, desks.base + desk, visit))
                yield timeout(d)
                # release the desk: to the first in line when open, else back to the free ones
                if desks.waiting and (desks.always or desks.hours.is_open(env.now)):
                    heappop(desks.waiting)[3].succeed(desk)
                else:
                    heappush(desks.free, desk)
            out = step.out
            if not out:
                self.end_branch(c)
                return
            if step.split_and:
                for m in out[1:]:
                    self.live[c] += 1
                    env.process(self.walk(c, None, m))
                move = out[0]
            elif step.route is None:
                move = out[0]
            else:
                move = out[bisect_right(step.cum, step.route())]
            wait = self.transit(move)
            if wait > 0:
                yield timeout(wait)
            step = move.target

    def transit(self, move: _Move) -> float:
        """Minutes from the end of a step until the dossier reaches the next one."""
        d = move.delay() if move.delay is not None else move.fixed
        if move.batches is None:
            return d
        now = self.env.now
        i = bisect_left(move.batches, now)
        return move.batches[i] - now + d if i < len(move.batches) else _INF

    def end_branch(self, c: int) -> None:
        self.live[c] -= 1
        if self.live[c] == 0:
            self.done[c] = self.env.now

    def enqueue(self, desks: _Desks, c: int, present: bool) -> list[Any]:
        """Put case ``c`` in the waiting line of ``desks``; the entry's event gives a desk."""
        now = self.env.now
        entry = [self.prio[c], now, self.seq, self.env.event(), present, 1]
        self.seq += 1
        heappush(desks.waiting, entry)
        is_open = desks.always or desks.hours.is_open(now)
        # a citizen at a closed door joins the line when the desks open
        joined = now if is_open or not present else desks.hours.next_open(now)
        if joined < _INF:
            self.qlog.append((desks.index, joined, 1))
        if is_open and desks.free:
            self.dispatch(desks)
        return entry

    def dispatch(self, desks: _Desks) -> None:
        """Give free desks to the first in line (called only while open)."""
        while desks.free and desks.waiting:
            heappop(desks.waiting)[3].succeed(heappop(desks.free))

    def keeper(self, desks: _Desks, horizon: float):  # type: ignore[no-untyped-def]
        """Open the desks (serve the line) and close them (send citizens home)."""
        env = self.env
        h = desks.hours
        closing = set(h.closings)
        times = sorted(set(h.openings) | closing)
        for t in times:
            if t >= horizon:
                return
            yield env.timeout(t - env.now)
            if t in closing:
                back = h.next_open(t)
                for entry in sorted(desks.waiting):
                    if entry[4]:
                        entry[5] += 1
                        self.qlog.append((desks.index, t, -1))
                        if back < _INF:
                            self.qlog.append((desks.index, back, 1))
            else:
                self.dispatch(desks)


def _clock(text: str) -> int:
    hh, mm = str(text).split(":")
    return int(hh) * 60 + int(mm)


# ----------------------------------------------------------------- the run


def _check_options(
    days: Any, warmup_days: Any, replication: Any, seed: Any, arrivals_per_day: Any, arrivals: Any
) -> None:
    def whole(name: str, value: Any, low: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise SimulationError(f"{name} must be a whole number >= {low}, got {value!r}")

    whole("days", days, 1)
    whole("warmup_days", warmup_days, 0)
    whole("replication", replication, 0)
    whole("seed", seed, 0)
    if warmup_days >= days:
        raise SimulationError(
            f"warmup_days ({warmup_days}) must be less than days ({days}): nothing would be measured"
        )
    if arrivals_per_day is not None:
        if not isinstance(arrivals_per_day, (int, float, np.number)) or not (
            0 <= float(arrivals_per_day) < math.inf
        ):
            raise SimulationError(
                f"arrivals_per_day must be a number >= 0, got {arrivals_per_day!r}"
            )
        if arrivals is not None:
            raise SimulationError("give replayed arrivals or arrivals_per_day, not both")


def simulate(
    journey: Journey,
    *,
    days: int,
    seed: int,
    warmup_days: int = 0,
    replication: int = 0,
    arrivals: Any = None,
    start_date: Any = None,
    arrivals_per_day: float | None = None,
) -> SimulationResult:
    """Simulate citizens going through ``journey`` (semantics: see the module).

    Parameters
    ----------
    journey : journeys.model.Journey
        What to simulate; checked first (:func:`simulations.checks.check_journey`).
    days : int
        Days on which citizens arrive (the days the arrival calendar opens),
        warm-up included; the run ends at midnight after the last.
    seed : int
        Seed of every random stream, ``>= 0``.
    warmup_days : int
        The first days, whose cases are simulated but left out of the log.
    replication : int
        Replication number: selects independent streams for the same seed.
    arrivals : sequence of datetime-like, optional
        Case start times to replay instead of drawing arrivals (e.g.
        :func:`simulations.arrivals.case_starts` of a real log); times after
        the run are dropped.
    start_date : str or date, optional
        Day 0 of the clock: by default 2026-01-05 (a Monday), or the day of the
        first replayed arrival.
    arrivals_per_day : float, optional
        Replaces the journey's ``arrivals.per_day`` (to test demand growth).

    Returns
    -------
    SimulationResult

    Raises
    ------
    journeys.errors.JourneyError
        For a journey the engine cannot run.
    SimulationError
        For options that cannot work (``days < 1``, negative warm-up, ...).

    Examples
    --------
    >>> from journeys import load_catalog
    >>> j = load_catalog("business-licence")
    >>> a = simulate(j, days=5, seed=1)
    >>> b = simulate(j, days=5, seed=1)
    >>> a.log.to_csv() == b.log.to_csv()
    True
    >>> a.log["org:resource"].iloc[0]
    'village_chief#1'
    """
    import simpy

    _check_options(days, warmup_days, replication, seed, arrivals_per_day, arrivals)
    check_journey(journey)
    replayed = None
    if arrivals is not None:
        start_ts = None if start_date is None else pd.Timestamp(as_date(start_date), tz="UTC")
        replayed, start_ts = replay_times(arrivals, start_ts)
        day0 = as_date(start_ts)
    else:
        day0 = as_date(DEFAULT_START if start_date is None else start_date)
    start_ts = pd.Timestamp(day0, tz="UTC")
    first = journey.step(journey.start)
    if first.pool is not None:
        arrival_calendar = journey.calendar(journey.pool(first.pool).calendar)
    else:
        arrival_calendar = journey.calendars[0] if journey.calendars else always_open()
    day_index = open_days(arrival_calendar, day0, days)
    horizon = float((day_index[-1] + 1) * DAY)
    warm = float(day_index[warmup_days] * DAY) if warmup_days else 0.0
    if replayed is None:
        times = arrival_times(
            journey.arrivals,
            arrival_calendar,
            start_date=day0,
            days=day_index,
            seed=seed,
            replication=replication,
            per_day=arrivals_per_day,
        )
    else:
        times = replayed[replayed < horizon]
    share = float(journey.arrivals.appointment_share)
    appointment = stream(seed, "appointments", replication=replication).random(len(times)) < share

    env = simpy.Environment()
    run = _Run(journey, env, day0, int(horizon // DAY), seed, replication)
    for desks in run.desks.values():
        if not desks.always:
            env.process(run.keeper(desks, horizon))
    env.process(
        run.source(times.tolist(), run.steps[journey.start], np.where(appointment, 0, 1).tolist())
    )
    env.run(until=horizon)
    return _result(journey, run, times, appointment, start_ts, warm, horizon, seed, replication)


def _strings(values: Sequence[str | None]) -> Any:
    """A pandas string array of a few values, to be expanded with ``.take``."""
    return pd.array(list(values), dtype="str")


def _case_names(n: int) -> Any:
    """``case-000001`` ... ``case-<n>`` as a pandas string array (vectorised in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=6, padding="0")
    return pd.array(pc.binary_join_element_wise("case-", digits, ""), dtype="str")


def _table(rows: list[tuple[Any, ...]], width: int) -> np.ndarray:
    """Records (tuples of numbers) as a float array of ``width`` columns."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width)
    return flat.reshape(-1, width)


def _timestamps(start: pd.Timestamp, minutes: np.ndarray) -> pd.DatetimeIndex:
    """Clock minutes as UTC timestamps, to the whole second."""
    seconds = np.rint(np.asarray(minutes, dtype=float) * 60.0).astype(np.int64)
    ns = (start.value + seconds * 1_000_000_000).view("datetime64[ns]")
    return pd.DatetimeIndex(ns).tz_localize("UTC")


def _result(
    journey: Journey,
    run: _Run,
    times: np.ndarray,
    appointment: np.ndarray,
    start: pd.Timestamp,
    warm: float,
    horizon: float,
    seed: int,
    replication: int,
) -> SimulationResult:
    n = len(times)
    n_warm = int(np.searchsorted(times, warm, side="left"))
    done = np.asarray(run.done if n else [], dtype=float)
    finished = done < _INF
    case_names = _case_names(n)

    ev = _table(run.events, 6)
    case = ev[:, 0].astype(np.int64)
    step = ev[:, 1].astype(np.int64)
    begin, end = ev[:, 2], ev[:, 3]
    code = ev[:, 4].astype(np.int64)
    keep = (case >= n_warm) & (end < horizon)
    order = np.flatnonzero(keep)
    order = order[np.lexsort((order, begin[order], end[order], case[order]))]
    steps = journey.steps
    desk_names = [f"{p.id}#{k + 1}" for p in journey.pools for k in range(p.capacity)]
    c, s = case[order], step[order]
    log = pd.DataFrame(
        {
            "case:concept:name": case_names.take(c),
            "concept:name": _strings([st.label for st in steps]).take(s),
            "time:timestamp": _timestamps(start, end[order]),
            "start_timestamp": _timestamps(start, begin[order]),
            # code -1 (no desk) takes the trailing missing value
            "org:resource": _strings([*desk_names, None]).take(code[order]),
            "org:group": _strings([st.agency for st in steps]).take(s),
            "odsc:door": _strings([st.door for st in steps]).take(s),
            "odsc:citizen_present": np.array([bool(st.citizen_present) for st in steps])[s],
            "odsc:step": _strings([st.id for st in steps]).take(s),
            "odsc:appointment": appointment[c],
            "odsc:visit": ev[order, 5].astype(np.int64),
        }
    )
    measured = np.arange(n_warm, n)
    cases = pd.DataFrame(
        {
            "case:concept:name": case_names.take(measured),
            "arrival": _timestamps(start, times[measured]),
            "odsc:appointment": appointment[measured],
            "finished": finished[measured],
            "end": _timestamps(start, np.where(finished[measured], done[measured], 0.0)).where(
                finished[measured]
            ),
        }
    )

    pools = journey.pools
    pool_of_code = np.repeat(np.arange(len(pools)), [p.capacity for p in pools])
    busy_rows = code >= 0
    busy = np.bincount(
        pool_of_code[code[busy_rows]],
        weights=np.clip(end[busy_rows], warm, horizon) - np.clip(begin[busy_rows], warm, horizon),
        minlength=len(pools),
    )
    utilisation: dict[str, float] = {}
    staff_cost = 0.0
    for i, p in enumerate(pools):
        open_minutes = run.desks[p.id].hours.open_minutes(warm, horizon) * p.capacity
        utilisation[p.id] = float(busy[i] / open_minutes) if open_minutes > 0 else math.nan
        staff_cost += open_minutes / 60.0 * float(p.cost_per_hour)

    return SimulationResult(
        log=log,
        cases=cases,
        utilisation=utilisation,
        queue_lengths=_queue_lengths(run.qlog, pools, start, warm, horizon),
        arrived=n,
        finished=int(finished.sum()),
        in_system=int(n - finished.sum()),
        warmup_arrived=n_warm,
        staff_cost=float(staff_cost),
        start=start,
        warmup_end=_timestamps(start, np.array([warm]))[0],
        end=_timestamps(start, np.array([horizon]))[0],
        journey_id=journey.id,
        seed=int(seed),
        replication=int(replication),
    )


def _queue_lengths(
    qlog: list[tuple[int, float, int]],
    pools: Sequence[Any],
    start: pd.Timestamp,
    warm: float,
    horizon: float,
) -> pd.DataFrame:
    """Change points of the number waiting per pool over ``[warm, horizon)``."""
    q = _table(qlog, 3)
    pool, t, delta = q[:, 0].astype(np.int64), q[:, 1], q[:, 2].astype(np.int64)
    order = np.lexsort((np.arange(len(q)), t, pool))
    pool, t, delta = pool[order], t[order], delta[order]
    length = np.cumsum(delta)
    first = np.searchsorted(pool, np.arange(len(pools)), side="left")
    offset = np.concatenate([[0], length])[first]
    length = length - np.repeat(offset, np.diff(np.append(first, len(pool))))
    # the last point of each (pool, time) holds; points before the warm-up end
    # collapse into one at ``warm``, points at or after the horizon are dropped
    last = np.ones(len(pool), dtype=bool)
    last[:-1] = (pool[1:] != pool[:-1]) | (t[1:] != t[:-1])
    pool, t, length = pool[last], t[last], length[last]
    at_warm = np.zeros(len(pools), dtype=np.int64)
    before = np.flatnonzero(t <= warm)
    if len(before):
        final = np.ones(len(before), dtype=bool)
        final[:-1] = pool[before][1:] != pool[before][:-1]
        at_warm[pool[before[final]]] = length[before[final]]
    inside = (t > warm) & (t < horizon)
    all_pool = np.concatenate([np.arange(len(pools)), pool[inside]])
    all_t = np.concatenate([np.full(len(pools), warm), t[inside]])
    all_len = np.concatenate([at_warm, length[inside]])
    order = np.lexsort((all_t, all_pool))
    ids = np.array([p.id for p in pools], dtype=object)
    return pd.DataFrame(
        {
            "time": _timestamps(start, all_t[order]),
            "pool": ids[all_pool[order]] if len(pools) else np.array([], dtype=object),
            "length": all_len[order],
        }
    )
