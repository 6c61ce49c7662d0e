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
    Whatever the carrier, a transition's ``backlog`` (the wait at the receiving
    agency) comes after its delay, before the next step's queue.
Randomness
    One stream per purpose (:mod:`simulations.rng`): arrivals, appointments,
    each step's work times (drawn at the start of each service), each step's
    routing and each transition's delays. Work times, routing and delays are
    drawn from each citizen's own substream of the purpose
    (:class:`simulations.rng.CitizenDraws`), so the same citizen takes the same
    branches and rework loops and needs the same work times in every scenario,
    whatever the order in which desks serve citizens. Same seed and
    replication, same log, byte for byte; the same citizens in every scenario.
A case is finished
    when every branch of it has ended at a step without successors.
Utilisation and queues
    Busy desk minutes (overruns past closing included) over open desk minutes,
    and the number waiting per pool (a citizen who reaches a closed door is
    counted from the opening; one sent home leaves the count at closing), both
    over the measured period.

The SimPy processes live in :mod:`simulations.processes`, the assembly of the
result in :mod:`simulations.results`.

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
from typing import Any

import numpy as np
import pandas as pd

from journeys.errors import InputError
from journeys.model import Journey
from simulations.arrivals import arrival_times, replay_times
from simulations.calendar import DAY, always_open, as_date, open_days
from simulations.checks import check_journey
from simulations.processes import Run
from simulations.results import SimulationResult, build_result
from simulations.rng import stream

__all__ = ["DEFAULT_START", "SimulationError", "SimulationResult", "simulate"]

#: Day 0 of a simulation unless told otherwise (a Monday).
DEFAULT_START: str = "2026-01-05"


class SimulationError(InputError):
    """A simulation option that cannot work (no days, negative warm-up, ...)."""


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
    run = Run(journey, env, day0, int(horizon // DAY), seed, replication)
    for desks in run.desks.values():
        if not desks.always:
            env.process(run.keeper(desks, horizon))
    env.process(
        run.source(times.tolist(), run.steps[journey.start], np.where(appointment, 0, 1).tolist())
    )
    env.run(until=horizon)
    return build_result(
        journey,
        events=run.events,
        queue_changes=run.qlog,
        joins=run.joins,
        done=run.done,
        hours={d.id: d.hours for d in run.desks.values()},
        times=times,
        appointment=appointment,
        start=start_ts,
        warm=warm,
        horizon=horizon,
        seed=seed,
        replication=replication,
    )
