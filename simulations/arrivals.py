"""When citizens arrive: drawn from the journey's arrival profile, or replayed.

Drawn arrivals (:func:`arrival_times`) form a non-homogeneous Poisson process:

* on every day the arrival calendar opens, the number of new citizens is
  Poisson with mean ``per_day x weekday weight`` (the weight of a weekday missing
  from ``arrivals.weekday`` is 1; weights are used as given, not normalised);
* each citizen's time of day follows the hourly weights, spread evenly over the
  open minutes of each hour of the calendar (an hour open only from 08:30 gets
  its whole weight in those 30 minutes; weights of closed hours are ignored;
  no hourly weights means evenly over the opening hours).

With a calendar open ``00:00-24:00`` every day and no hourly weights this is a
homogeneous Poisson process of rate ``per_day / 1440`` per minute, as queueing
theory wants. All the numbers come from the ``"arrivals"`` stream (see
:mod:`simulations.rng`), so they do not depend on anything but the profile, the
calendar and the seed.

Replayed arrivals (:func:`replay_times`) are case start times taken from a real
log (:func:`case_starts`), turned into minutes on the simulation clock.

Examples
--------
>>> from journeys.model import Arrivals, Calendar
>>> t = arrival_times(Arrivals(per_day=40), Calendar("office"), start_date="2026-01-05",
...                   days=(0, 1), seed=1)
>>> bool(((t % 1440 >= 480) & (t % 1440 < 960) & ((t % 1440 < 720) | (t % 1440 >= 780))).all())
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from journeys.errors import InputError, JourneyError, Problem
from journeys.model import WEEKDAYS, Arrivals, Calendar
from simulations.calendar import DAY, as_date
from simulations.rng import stream

__all__ = ["arrival_times", "case_starts", "day_segments", "replay_times"]


def day_segments(
    calendar: Calendar, hourly: dict[int, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of an open day and the arrival weight of each.

    Returns the start (minutes after midnight), length and weight of every
    piece of an opening interval cut at the full hours. With ``hourly``
    weights, an hour's weight is shared among its open pieces by length;
    without, every piece weighs its length.

    Examples
    --------
    >>> s, n, w = day_segments(Calendar("c", (("08:30", "10:00"),)), {8: 1, 9: 3})
    >>> s.tolist(), n.tolist(), w.tolist()
    ([510.0, 540.0], [30.0, 60.0], [1.0, 3.0])
    """
    pieces: list[tuple[float, float]] = []
    for a, b in sorted(calendar.intervals_minutes()):
        t = a
        while t < b:
            end = min(b, (t // 60 + 1) * 60)
            pieces.append((float(t), float(end - t)))
            t = end
    starts = np.array([p[0] for p in pieces], dtype=float)
    lengths = np.array([p[1] for p in pieces], dtype=float)
    if not hourly:
        return starts, lengths, lengths.copy()
    hours = (starts // 60).astype(int)
    open_in_hour = {h: float(lengths[hours == h].sum()) for h in set(hours.tolist())}
    weights = np.array(
        [
            float(hourly.get(int(h), 0.0)) * n / open_in_hour[int(h)]
            for h, n in zip(hours.tolist(), lengths.tolist())
        ],
        dtype=float,
    )
    return starts, lengths, weights


def arrival_times(
    arrivals: Arrivals,
    calendar: Calendar,
    *,
    start_date: Any,
    days: Sequence[int],
    seed: int,
    replication: int = 0,
    per_day: float | None = None,
) -> np.ndarray:
    """Arrival times (minutes on the simulation clock, sorted) over the given days.

    Parameters
    ----------
    arrivals : journeys.model.Arrivals
        The profile: ``per_day``, ``hourly`` and ``weekday`` weights.
    calendar : journeys.model.Calendar
        The opening hours arrivals fall in (the first step's desks).
    start_date : str or date
        Day 0 of the simulation clock (gives the weekdays).
    days : sequence of int
        Indexes of the days on which citizens arrive.
    seed, replication : int
        Select the ``"arrivals"`` stream.
    per_day : float, optional
        Replaces ``arrivals.per_day`` (demand growth).

    Examples
    --------
    >>> from journeys.model import Arrivals
    >>> from simulations.calendar import always_open
    >>> t = arrival_times(Arrivals(per_day=1440), always_open(), start_date="2026-01-05",
    ...                   days=range(50), seed=4)
    >>> bool(abs(len(t) / 50 - 1440) < 20), bool(abs(np.diff(t).mean() - 1) < 0.02)
    (True, True)
    """
    lam = float(arrivals.per_day if per_day is None else per_day)
    hourly = {int(h): float(w) for h, w in arrivals.hourly.items()}
    starts, lengths, weights = day_segments(calendar, hourly)
    total = float(weights.sum())
    if lengths.size == 0 or total <= 0:
        raise JourneyError(
            [Problem("arrivals.hourly", f"no weight falls in the opening hours of {calendar.id!r}")]
        )
    day0 = as_date(start_date)
    days = np.asarray(list(days), dtype=np.int64)
    wd = {k: float(v) for k, v in arrivals.weekday.items()}
    means = np.array(
        [lam * wd.get(WEEKDAYS[(day0 + dt.timedelta(days=int(d))).weekday()], 1.0) for d in days]
    )
    rng = stream(seed, "arrivals", replication=replication)
    counts = rng.poisson(means)
    n = int(counts.sum())
    u = rng.random((2, n))
    cum = np.cumsum(weights) / total
    seg = np.minimum(np.searchsorted(cum, u[0], side="right"), len(cum) - 1)
    times = np.repeat(days * DAY, counts) + starts[seg] + u[1] * lengths[seg]
    return np.sort(times, kind="stable")


def replay_times(
    timestamps: Any, start: pd.Timestamp | None = None
) -> tuple[np.ndarray, pd.Timestamp]:
    """Replayed case start times as minutes on the simulation clock, sorted.

    Parameters
    ----------
    timestamps : sequence of datetime-like
        Case start times (see :func:`case_starts`); naive times are read as UTC.
    start : pandas.Timestamp, optional
        Day 0 of the clock (UTC midnight); by default the day of the earliest time.

    Returns
    -------
    minutes : numpy.ndarray
    start : pandas.Timestamp
        The clock's day 0.

    Raises
    ------
    InputError
        For times that cannot be read or fall before ``start``.

    Examples
    --------
    >>> m, day0 = replay_times(["2026-01-06 08:30", "2026-01-06 08:00"])
    >>> m.tolist(), str(day0)
    ([480.0, 510.0], '2026-01-06 00:00:00+00:00')
    """
    values = timestamps if isinstance(timestamps, pd.Series) else pd.Series(list(timestamps))
    try:
        ts = pd.to_datetime(values, utc=True)
    except (ValueError, TypeError) as e:
        raise InputError(f"arrivals: cannot read the case start times ({e})") from None
    if ts.isna().any():
        row = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise InputError(f"arrivals: row {row} has no start time")
    if start is None:
        start = ts.min().normalize() if len(ts) else pd.Timestamp("2026-01-05", tz="UTC")
    minutes = (ts - start).dt.total_seconds().to_numpy(dtype=float) / 60.0
    if (minutes < 0).any():
        row = int(np.flatnonzero(minutes < 0)[0])
        raise InputError(
            f"arrivals: row {row} ({ts.iloc[row]}) is before the start date {start.date()}"
        )
    return np.sort(minutes, kind="stable"), start


def case_starts(
    log: pd.DataFrame,
    *,
    case_col: str = "case:concept:name",
    time_col: str = "time:timestamp",
    start_col: str = "start_timestamp",
) -> pd.Series:
    """The first time of every case of an event log (its start when known), sorted.

    Examples
    --------
    >>> log = pd.DataFrame({"case:concept:name": ["a", "a", "b"],
    ...                     "time:timestamp": pd.to_datetime(
    ...                         ["2026-01-05 09:00", "2026-01-05 10:00", "2026-01-05 08:00"],
    ...                         utc=True)})
    >>> case_starts(log).dt.hour.tolist()
    [8, 9]
    """
    for col in (case_col, time_col):
        if col not in log.columns:
            raise InputError(f"arrivals: the log has no column {col!r}")
    t = pd.to_datetime(log[time_col], utc=True)
    if start_col in log.columns:
        s = pd.to_datetime(log[start_col], utc=True)
        t = s.where(s.notna() & (s < t), t)
    first = t.groupby(log[case_col].to_numpy(), sort=False).min()
    return first.sort_values(kind="stable").rename("start")
