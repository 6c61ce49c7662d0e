"""The SimPy processes of one run: arrivals, citizens' cases, opening and closing.

:class:`Run` compiles a journey into plain slotted objects (a step's desks,
work-time and routing draws, its ways out) so that the event loop touches
attributes and lists only, and holds the records the result is built from. The
semantics are those documented in :mod:`simulations.engine`.

Examples
--------
>>> import simpy
>>> from journeys import load_catalog
>>> j = load_catalog("business-licence")
>>> env = simpy.Environment()
>>> run = Run(j, env, "2026-01-05", 2, seed=1, rep=0)
>>> _ = env.process(run.source([500.0], run.steps[j.start], [1]))
>>> env.run(until=2880)
>>> [(j.steps[e[1]].id, round(e[2])) for e in run.events]  # (step, start minute)
[('village_cert', 500), ('submit', 2330)]
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from journeys.graph_rules import join_arrivals
from journeys.model import Journey
from simulations.calendar import OpeningHours, always_open
from simulations.rng import CitizenDraws

__all__ = ["Run"]

_INF = math.inf


class _Desks:
    """The desks of one pool: free desk numbers and the waiting line (heaps)."""

    __slots__ = ("index", "id", "free", "waiting", "hours", "always", "base", "pool")

    def __init__(self, index: int, pool: Any, hours: OpeningHours, base: int) -> None:
        self.index = index
        self.id = pool.id
        self.pool = pool
        self.free = list(range(pool.capacity))
        # entries [priority class, arrival at the step, sequence, event, present, visit,
        # joined the line of the open desks]
        self.waiting: list[list[Any]] = []
        self.hours = hours
        self.always = hours.always
        self.base = base


class _Step:
    """A step as the event loop sees it (``work`` and ``route`` draw the next number)."""

    __slots__ = ("index", "desks", "work", "present", "split_and", "join", "out", "cum", "route")


class _Move:
    """A transition: the next step, the delay draw or fixed delay, courier batch times."""

    __slots__ = ("target", "delay", "fixed", "batches")


class Run:
    """One run: the SimPy environment, the compiled journey and the records."""

    def __init__(self, journey: Journey, env: Any, start: Any, n_days: int, seed: int, rep: int):
        self.env = env
        self.start = start
        self.n_days = n_days
        self.events: list[tuple[int, int, float, float, int, int]] = []
        self.qlog: list[tuple[int, float, int]] = []
        # (index in events, joined the open desks' line, reached the step) of services that queued
        self.joins: list[tuple[int, float, float]] = []
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
        arrivals_at = join_arrivals(journey)
        for i, s in enumerate(journey.steps):
            st = _Step()
            st.index = i
            st.desks = self.desks[s.pool] if s.pool is not None else None
            st.work = CitizenDraws(
                lambda g, n, d=s.duration: d.sample(g, n), seed, f"duration:{s.id}", replication=rep
            )
            st.present = bool(s.citizen_present)
            st.split_and = s.split == "and"
            st.join = arrivals_at.get(s.id, 0)  # branches the and-join waits for
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
                st.route = CitizenDraws(_uniform, seed, f"routing:{s.id}", replication=rep)

    def _move(self, journey, t, doors, hours, seed, rep) -> _Move:  # type: ignore[no-untyped-def]
        m = _Move()
        m.target = self.steps[t.target]
        m.delay = None
        m.fixed = 0.0
        if t.backlog is not None:
            # transfer and backlog were measured together: drawn at one probability
            parts = [d for d in (t.delay, t.backlog) if d is not None]
            m.delay = CitizenDraws(
                lambda g, n, parts=parts: _coupled(parts, g, n),
                seed,
                f"backlog:{t.source}->{t.target}",
                replication=rep,
            )
        elif t.delay is not None:
            m.delay = CitizenDraws(
                lambda g, n, d=t.delay: d.sample(g, n),
                seed,
                f"delay:{t.source}->{t.target}",
                replication=rep,
            )
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
            wait = self.transit(move, c)
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
                d = step.work(c)
                record((c, step.index, now, now + d, -1, 1))
                yield timeout(d)
            else:
                if (
                    desks.free
                    and not desks.waiting
                    and (desks.always or desks.hours.is_open(env.now))
                ):
                    desk = heappop(desks.free)
                    visit = 1
                else:
                    entry = self.enqueue(desks, c, step.present)
                    desk = yield entry[3]
                    visit = entry[5]
                    self.qlog.append((desks.index, env.now, -1))
                    self.joins.append((len(self.events), entry[6], entry[1]))
                now = env.now
                d = step.work(c)
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
                move = out[bisect_right(step.cum, step.route(c))]
            wait = self.transit(move, c)
            if wait > 0:
                yield timeout(wait)
            step = move.target

    def transit(self, move: _Move, c: int) -> float:
        """Minutes from the end of a step until case ``c``'s dossier reaches the next one."""
        d = move.delay(c) if move.delay is not None else move.fixed
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
        is_open = desks.always or desks.hours.is_open(now)
        # a citizen at a closed door joins the line when the desks open
        joined = now if is_open or not present else desks.hours.next_open(now)
        entry = [self.prio[c], now, self.seq, self.env.event(), present, 1, joined]
        self.seq += 1
        heappush(desks.waiting, entry)
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


def _uniform(g: np.random.Generator, n: int) -> np.ndarray:
    return g.random(n)


def _coupled(parts: Sequence[Any], g: np.random.Generator, n: int) -> np.ndarray:
    """``n`` sums of the distributions ``parts``, each drawn at one shared probability."""
    u = g.random(n)
    return np.sum([d.quantile(u) for d in parts], axis=0)


def _clock(text: str) -> int:
    hh, mm = str(text).split(":")
    return int(hh) * 60 + int(mm)
