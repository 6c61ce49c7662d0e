"""What a simulated run returns, and how it is assembled from the run's records.

The engine records one tuple per service (case, step, start, end, desk,
visit) and one per change of a waiting line; :func:`build_result` turns them
into a :class:`SimulationResult` with numpy and pandas in one pass at the end
(never appending to a DataFrame while simulating).

Utilisation is busy desk minutes over open desk minutes within the measured
period. Busy time includes services that run past closing or into lunch (a
started service finishes), so a pool that overruns a lot can show slightly
more than 100%.

Timestamps are written to the whole second, in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from journeys.model import Journey
from simulations.calendar import OpeningHours

__all__ = ["SimulationResult", "build_result"]

_INF = math.inf


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
    desk_waits : pandas.DataFrame
        One row per service at a desk in ``log`` (same cases): ``case:concept:name``,
        ``odsc:step``, ``pool``, ``odsc:citizen_present``, ``wait_minutes``, the
        time from joining the line of the open desks to the start of the service
        (0 when a desk was free), and ``door_closed``, whether the case reached
        the step while the desks were closed (a citizen then joins at the
        opening). One sent home at closing keeps waiting until served, so the
        nights in between count. This is the queue a service standard
        ("85% served within 15 minutes") is about; unlike the waiting between
        steps of the log it holds no travel, courier or backlog time.
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
    desk_waits: pd.DataFrame | None = None

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
        >>> from simulations.engine import simulate
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


def build_result(
    journey: Journey,
    *,
    events: list[tuple[int, int, float, float, int, int]],
    queue_changes: list[tuple[int, int | float, int]],
    joins: Sequence[tuple[int, float, float]] = (),
    done: Sequence[float],
    hours: dict[str, OpeningHours],
    times: np.ndarray,
    appointment: np.ndarray,
    start: pd.Timestamp,
    warm: float,
    horizon: float,
    seed: int,
    replication: int,
) -> SimulationResult:
    """Assemble a :class:`SimulationResult` from the records of a run.

    Parameters
    ----------
    journey : journeys.model.Journey
        The journey simulated.
    events : list of tuple
        One ``(case, step index, start, end, desk code, visit)`` per service
        started; the desk code numbers the desks of all pools in journey order,
        -1 for a step without a pool.
    queue_changes : list of tuple
        ``(pool index, time, +1 or -1)`` for every join and leave of a line.
    joins : sequence of tuple
        ``(index in events, joined, reached)``: when the case of a service that
        queued joined the line of the open desks, and when it reached the step.
    done : sequence of float
        Per case, the time its last branch ended (``inf`` when still open).
    hours : dict of str to OpeningHours
        The opening hours of each pool, by pool id.
    times, appointment : numpy.ndarray
        Arrival time and appointment flag of every case, in arrival order.
    start : pandas.Timestamp
        Day 0 of the clock (UTC midnight).
    warm, horizon : float
        Start of the measured period and end of the run, in clock minutes.
    seed, replication : int
        Kept in the result for reference.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> j = load_catalog("business-licence")
    >>> r = build_result(j, events=[], queue_changes=[], done=[], hours={
    ...     p.id: OpeningHours.build(j.calendar(p.calendar), start_date="2026-01-05", days=1)
    ...     for p in j.pools}, times=np.array([]), appointment=np.array([], dtype=bool),
    ...     start=pd.Timestamp("2026-01-05", tz="UTC"), warm=0.0, horizon=1440.0, seed=1,
    ...     replication=0)
    >>> (r.arrived, len(r.log), r.utilisation["doic_desk"])
    (0, 0, 0.0)
    """
    n = len(times)
    n_warm = int(np.searchsorted(times, warm, side="left"))
    done = np.asarray(done if n else [], dtype=float)
    finished = done < _INF
    case_names = _case_names(n)

    ev = _table(events, 6)
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
    joined = begin.copy()
    closed = np.zeros(len(ev), dtype=bool)
    if len(joins):
        j_ = _table(list(joins), 3)
        at = j_[:, 0].astype(np.int64)
        joined[at] = j_[:, 1]
        closed[at] = j_[:, 1] > j_[:, 2]
    at_desk = order[code[order] >= 0]
    pool_ids = [st.pool for st in steps]
    desk_waits = pd.DataFrame(
        {
            "case:concept:name": case_names.take(case[at_desk]),
            "odsc:step": _strings([st.id for st in steps]).take(step[at_desk]),
            "pool": _strings(pool_ids).take(step[at_desk]),
            "odsc:citizen_present": np.array([bool(st.citizen_present) for st in steps],
                                             dtype=bool)[step[at_desk]],
            "wait_minutes": np.maximum(begin[at_desk] - joined[at_desk], 0.0),
            "door_closed": closed[at_desk],
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
        open_minutes = hours[p.id].open_minutes(warm, horizon) * p.capacity
        utilisation[p.id] = float(busy[i] / open_minutes) if open_minutes > 0 else math.nan
        staff_cost += open_minutes / 60.0 * float(p.cost_per_hour)

    return SimulationResult(
        log=log,
        cases=cases,
        utilisation=utilisation,
        queue_lengths=_queue_lengths(queue_changes, pools, start, warm, horizon),
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
        desk_waits=desk_waits,
    )


def _queue_lengths(
    qlog: list[tuple[int, int | float, int]],
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
