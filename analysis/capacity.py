"""When a centre is open, how many desks it has, how citizens arrive: read from its log.

The parts of a calibrated journey (:func:`analysis.calibrate.calibrate`) that
are not about steps and routing:

Calendar
    One calendar for all desks (:func:`opening_hours`): the shortest run of
    whole hours of the day (UTC, the clock the simulator replays a log's
    arrivals on) that holds ``coverage`` of the events' start (else
    completion) times, on the weekdays holding at least ``min_day_share`` of
    the events; no lunch break is inferred.
Desks
    One pool of desks per agency; its capacity is a quantile of the number of
    distinct resources of the agency's steps active on one day, or, without
    resources, of the day's work (events times their step's mean duration)
    over the open minutes.
Arrivals
    Cases per open day, by weekday (weights relative to the mean) and hour of
    day (shares within the opening hours), from the first event of every case.

Examples
--------
>>> import pandas as pd
>>> t = pd.to_datetime(["2024-03-04 22:30", "2024-03-05 01:15", "2024-03-05 23:05"], utc=True)
>>> opening_hours(pd.DataFrame({"time:timestamp": t}), coverage=1.0).hours
(('00:00', '02:00'), ('22:00', '24:00'))
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.bottlenecks import _begin_series
from analysis.calibration_input import CalibrationError
from analysis.schema import ACTIVITY, RESOURCE, START, TIMESTAMP
from journeys.model import WEEKDAYS, Arrivals, Calendar, Distribution

__all__ = ["opening_hours"]

# id of the calendar opening_hours infers: the one calendar of a calibrated journey
_CALENDAR = "observed_hours"


def opening_hours(
    log: pd.DataFrame,
    *,
    coverage: float = 0.95,
    min_day_share: float = 0.01,
    calendar_id: str = _CALENDAR,
) -> Calendar:
    """The opening hours in which the log's work happens.

    The shortest run of whole hours of the day (wrapping around midnight if
    need be) holding at least ``coverage`` of the events' start times
    (completion times where starts are unknown), on the weekdays holding at
    least ``min_day_share`` of the events. Times are read in UTC.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2024-03-04 08:10", "2024-03-04 09:30", "2024-03-05 11:59",
    ...                     "2024-03-06 10:00"], utc=True)
    >>> c = opening_hours(pd.DataFrame({"time:timestamp": t}), coverage=1.0)
    >>> c.hours, c.days
    ((('08:00', '12:00'),), ('mon', 'tue', 'wed'))
    """
    if not 0 < coverage <= 1:
        raise CalibrationError(f"coverage must be in (0, 1], got {coverage}")
    begin = _begin_series(log) if START in log.columns else log[TIMESTAMP]
    begin = begin.dt.tz_convert("UTC") if isinstance(begin.dtype, pd.DatetimeTZDtype) else begin
    hist = np.bincount(begin.dt.hour.to_numpy(), minlength=24).astype(float)
    need = coverage * hist.sum() - 1e-9
    # window sums for every start hour and length, via the cumulative sum of two days
    cum = np.concatenate([[0.0], np.cumsum(np.concatenate([hist, hist]))])
    hours = (("00:00", "24:00"),)
    for length in range(1, 25):
        sums = cum[np.arange(24) + length] - cum[np.arange(24)]
        if sums.max() >= need:
            h0 = int(np.argmax(sums))
            hours = _interval_text(h0, length)
            break
    days = np.bincount(begin.dt.day_of_week.to_numpy(), minlength=7) / max(len(begin), 1)
    open_days = tuple(WEEKDAYS[d] for d in range(7) if days[d] >= min_day_share and days[d] > 0)
    return Calendar(calendar_id, hours, open_days or WEEKDAYS[:5])

def _interval_text(h0: int, length: int) -> tuple[tuple[str, str], ...]:
    end = h0 + length
    if end <= 24:
        return ((f"{h0:02d}:00", f"{end:02d}:00"),)
    return (("00:00", f"{end - 24:02d}:00"), (f"{h0:02d}:00", "24:00"))


def _inside(times: pd.Series, calendar: Calendar) -> float:
    """Share of ``times`` (UTC) inside the calendar's hours and days."""
    minute = (times.dt.hour * 60 + times.dt.minute).to_numpy()
    ok = np.zeros(len(times), dtype=bool)
    for a, b in calendar.intervals_minutes():
        ok |= (minute >= a) & (minute < b)
    days = {WEEKDAYS.index(d) for d in calendar.days}
    ok &= np.isin(times.dt.day_of_week.to_numpy(), list(days))
    return float(ok.mean()) if len(ok) else 0.0


def _capacities(
    ev: pd.DataFrame,
    step_agency: dict[str, str],
    durations: dict[str, Distribution],
    calendar: Calendar,
    q: float,
    *,
    concurrency: bool = False,
) -> tuple[dict[str, int], str]:
    """Desks per agency, and a sentence saying how they were counted."""
    agency = ev[ACTIVITY].astype(str).map(step_agency)
    day = ev[TIMESTAMP].dt.tz_convert("UTC").dt.floor("D")
    if concurrency and START in ev.columns and ev[START].notna().any():
        timed = ev[START].notna().to_numpy()
        g = agency.to_numpy()[timed]
        b, e = ev[START].to_numpy()[timed], ev[TIMESTAMP].to_numpy()[timed]
        frame = pd.DataFrame(
            {"g": np.concatenate([g, g]), "t": np.concatenate([b, e]),
             "x": np.concatenate([np.ones(len(b)), -np.ones(len(e))])}
        )  # fmt: skip
        frame = frame.sort_values(["g", "t", "x"], kind="stable")  # an end before a start
        frame["n"] = frame.groupby("g", sort=False)["x"].cumsum()
        frame["d"] = pd.to_datetime(frame["t"]).dt.floor("D")
        daily = frame.groupby(["g", "d"])["n"].max()
        how = (
            f"Desks per agency: the {q:.0%} quantile of the days' peak number of its events in "
            "progress at once (from start and completion times)."
        )
    elif RESOURCE in ev.columns and ev[RESOURCE].notna().any():
        frame = pd.DataFrame({"g": agency.to_numpy(), "d": day.to_numpy(), "r": ev[RESOURCE]})
        daily = frame.dropna(subset=["r"]).groupby(["g", "d"])["r"].nunique()
        how = (
            f"Desks per agency: the {q:.0%} quantile of the distinct resources of its steps "
            "active on one day."
        )
    else:
        work = ev[ACTIVITY].astype(str).map({a: d.mean for a, d in durations.items()})
        frame = pd.DataFrame({"g": agency.to_numpy(), "d": day.to_numpy(), "w": work.to_numpy()})
        daily = frame.groupby(["g", "d"])["w"].sum() / max(calendar.minutes_open_per_day, 1.0)
        how = (
            f"The log names no resources: desks per agency are the {q:.0%} quantile of a day's "
            "work (events times their step's duration) over the open minutes."
        )
    cap = daily.groupby(level=0).quantile(q) if len(daily) else pd.Series(dtype=float)
    out = {g: max(1, math.ceil(float(cap.get(g, 1.0)) - 1e-9)) for g in set(step_agency.values())}
    return out, how


def _arrivals(
    begin: pd.Series,
    codes: np.ndarray,
    first: np.ndarray,
    calendar: Calendar,
    *,
    day_only: bool = False,
) -> Arrivals:
    """Arrival profile from the first event of every case (``begin``: in path order)."""
    t = begin.dt.tz_convert("UTC")
    firsts = t[first].groupby(codes[first]).min()
    span = pd.date_range(firsts.min().floor("D"), firsts.max().floor("D"), freq="D")
    open_idx = [WEEKDAYS.index(d) for d in calendar.days]
    day_counts = pd.Series(span.day_of_week).value_counts()
    wd = firsts.dt.day_of_week
    on_open = wd.isin(open_idx)
    n_open_days = int(sum(day_counts.get(d, 0) for d in open_idx))
    per_day = float(on_open.sum()) / max(n_open_days, 1)
    weekday = {}
    if per_day > 0:
        for d in open_idx:
            days = int(day_counts.get(d, 0))
            if days:
                weekday[WEEKDAYS[d]] = round(float((wd == d).sum()) / days / per_day, 3)
    minute = (firsts.dt.hour * 60 + firsts.dt.minute).to_numpy()
    open_hours: set[int] = set()
    for a, b in calendar.intervals_minutes():
        open_hours |= set(range(a // 60, math.ceil(b / 60)))
    hour_counts = pd.Series(minute // 60)[on_open.to_numpy()].value_counts()
    inside = {int(h): float(n) for h, n in hour_counts.items() if int(h) in open_hours}
    total = sum(inside.values())
    hourly = {h: round(n / total, 4) for h, n in sorted(inside.items())} if total else {}
    if day_only:  # days without times of day: no hourly profile to read
        hourly = {}
    return Arrivals(per_day=round(per_day, 3), hourly=hourly, weekday=weekday)
