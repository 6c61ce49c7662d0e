"""Vectorised helpers of the ruler in :mod:`analysis.kpis`.

Factorised case codes, shifts and bincounts over an event log in case and
completion order: nanosecond times, case runs, ping-pong flags, per-case
sums and distinct counts, citizen presence, visits and citizen cost. They
are private to :mod:`analysis.kpis` and :mod:`analysis.queues`; the
definitions they implement are in the docstring of :mod:`analysis.kpis`.

Examples
--------
>>> import pandas as pd
>>> codes, first = _case_runs(pd.Series(["c1", "c1", "c2"]))
>>> codes.tolist(), first.tolist()
([0, 0, 1], [True, False, True])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.schema import LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__: list[str] = []

_NS_PER_MINUTE = 60e9
_NS_PER_DAY = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min


def _ns(values: pd.Series, name: str) -> np.ndarray:
    """Datetimes as int64 nanoseconds since the epoch (UTC); NaT as int64 min."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        raise LogError(f"event log: column {name!r} does not hold times (read it with read_log)")
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def _ordered(log: pd.DataFrame, *, case: str, timestamp: str, start: str) -> pd.DataFrame:
    """The log itself when its cases are contiguous and in time order, else sorted."""
    missing = [c for c in (case, timestamp) if c not in log.columns]
    if missing:
        raise LogError(f"event log: no column {missing[0]!r} (read the log with read_log)")
    codes = pd.factorize(log[case], use_na_sentinel=False)[0]
    done = _ns(log[timestamp], timestamp)
    same = codes[1:] == codes[:-1]
    contiguous = int((~same).sum()) + 1 == (codes.max() + 1 if len(codes) else 1)
    in_time = bool(np.all(done[1:][same] >= done[:-1][same]))
    if contiguous and in_time:
        return log
    keys = [case, timestamp] + ([start] if start in log.columns else [])
    return log.sort_values(keys, kind="stable", na_position="first")


def _case_runs(cases: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Run codes 0, 1, 2, ... of a case column in contiguous order, and first-event flags."""
    raw = pd.factorize(cases, use_na_sentinel=False)[0]
    first = np.r_[True, raw[1:] != raw[:-1]] if len(raw) else np.zeros(0, dtype=bool)
    return np.cumsum(first) - 1, first


def _pingpongs(codes: np.ndarray, acodes: np.ndarray, handoff: np.ndarray) -> np.ndarray:
    """Flag handoffs that return to the agency which handed over to the current one."""
    idx = np.flatnonzero(handoff)
    out = np.zeros(len(codes), dtype=bool)
    if len(idx) < 2:
        return out
    src = acodes[idx - 1]  # the agency handing over
    dst = acodes[idx]
    back = (codes[idx[1:]] == codes[idx[:-1]]) & (dst[1:] == src[:-1])
    out[idx[1:][back]] = True
    return out


def _sum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=np.nan_to_num(values, nan=0.0), minlength=n)


def _distinct(codes: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    """Number of distinct non-missing values per case code."""
    vcodes = pd.factorize(values)[0].astype(np.int64)
    keep = vcodes >= 0
    width = int(vcodes.max()) + 1 if keep.any() else 1
    pairs = codes[keep].astype(np.int64) * width + vcodes[keep]
    if n * width <= 50_000_000:
        # A presence table (cases x values) is much faster than hashing pairs.
        seen = np.bincount(pairs, minlength=n * width).reshape(n, width) > 0
        return seen.sum(axis=1)
    return np.bincount(np.unique(pairs) // width, minlength=n)


def _match_steps(activities: pd.Series, journey: Journey) -> pd.Series:
    """Step id of each event, matched on step id first, then on step name."""
    lookup = {s.name: s.id for s in journey.steps if s.name}
    lookup |= {s.id: s.id for s in journey.steps}
    codes, uniques = pd.factorize(activities)
    mapped = pd.Series(uniques).map(lookup).to_numpy(dtype=object)
    mapped = np.append(mapped, None)  # code -1 (missing activity) maps to None
    return pd.Series(mapped[codes], index=activities.index)


def _presence(
    ev: pd.DataFrame,
    steps: pd.Series | None,
    journey: Journey | None,
    *,
    door: str,
    present: str,
) -> tuple[np.ndarray | None, pd.Series | None]:
    """Citizen presence per event (None if unknown) and door per event (or None).

    The log's columns win; the journey fills what the log does not record.
    """
    here = None
    doors = ev[door].astype(object).reset_index(drop=True) if door in ev else None
    if present in ev:
        flags = ev[present]
        if pd.api.types.infer_dtype(flags, skipna=True) in ("string", "mixed"):
            raise LogError(f"event log: {present} holds text, not booleans (read it with read_log)")
        here = flags.fillna(False).to_numpy(dtype=bool)
    if steps is not None and journey is not None:
        matched = steps.reset_index(drop=True)
        if here is None:
            present_of = {s.id: bool(s.citizen_present) for s in journey.steps}
            here = matched.map(present_of).fillna(False).to_numpy(dtype=bool)
        door_of = {s.id: s.door for s in journey.steps}
        from_journey = matched.map(door_of)
        doors = from_journey if doors is None else doors.fillna(from_journey)
    return here, doors


def _new_visits(
    codes: np.ndarray,
    first: np.ndarray,
    here: np.ndarray,
    doors: pd.Series | None,
    anchor: np.ndarray,
    tz: str | None,
) -> np.ndarray:
    """Flag the citizen-present events that open a new visit."""
    idx = np.flatnonzero(here)
    out = np.zeros(len(codes), dtype=bool)
    if len(idx) == 0:
        return out
    moments = pd.DatetimeIndex(anchor[idx].view("datetime64[ns]"), tz="UTC")
    if tz:
        moments = moments.tz_convert(tz)
    local = moments.tz_localize(None).as_unit("ns").asi8
    day = local // _NS_PER_DAY
    dcodes = (
        pd.factorize(doors.to_numpy()[idx], use_na_sentinel=False)[0]
        if doors is not None
        else np.zeros(len(idx), dtype=np.int64)
    )
    same = (codes[idx][1:] == codes[idx][:-1]) & (dcodes[1:] == dcodes[:-1]) & (day[1:] == day[:-1])
    out[idx] = np.r_[True, ~same]
    return out


def _queue_events(here: np.ndarray, new_visit: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Events whose wait can be a citizen's queue at a desk.

    A citizen-present step that continues a visit, and the first step of each
    case (its wait runs from the recorded arrival, and is NaN without one). The
    wait before a later step that opens a new visit holds travel, couriers and
    days at home: never a queue. Used by the queue standard
    (:func:`analysis.queues.queue_waits`) and the citizen's time cost.
    """
    return (here & ~new_visit) | first


def _citizen_cost(
    codes: np.ndarray,
    n: int,
    journey: Journey,
    steps: pd.Series | None,
    here: np.ndarray | None,
    doors: pd.Series | None,
    new_visit: np.ndarray,
    first: np.ndarray,
    waiting: np.ndarray,
    processing: np.ndarray,
) -> np.ndarray:
    fee_of = {s.id: float(s.fee) for s in journey.steps}
    fees = steps.map(fee_of).fillna(0.0).to_numpy(dtype=float) if steps is not None else 0.0

    def per_visit(attr: str) -> np.ndarray | float:
        """A door attribute on the events that open a visit, 0 elsewhere."""
        if doors is None:
            return 0.0
        of = {d.id: float(getattr(d, attr)) for d in journey.doors}
        of |= {d.name: float(getattr(d, attr)) for d in journey.doors if d.name}
        return doors.map(of).fillna(0.0).to_numpy(dtype=float) * new_visit

    time_cost: np.ndarray | float = 0.0
    if here is not None:  # time away from home: service, queues, travel both ways
        queue = np.where(_queue_events(here, new_visit, first), np.nan_to_num(waiting), 0.0)
        minutes = np.nan_to_num(processing) + queue + 2.0 * per_visit("travel_minutes")
        time_cost = journey.time_value_per_hour * minutes / 60.0 * here
    per_event = np.broadcast_to(fees + per_visit("travel_cost") + time_cost, codes.shape)
    return np.bincount(codes, weights=per_event.astype(float), minlength=n)
