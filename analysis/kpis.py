"""The one ruler: per-event times and per-case TCV figures of an event log.

The same functions measure real logs (from :func:`analysis.logs.read_log`) and
the simulator's logs, so before/after figures are comparable by construction.
Times are minutes everywhere; reports convert them for display.

Definitions (DESIGN.md, "Definitions", made exact here):

* Events of a case are ordered by completion time (then start time).
* **processing** of an event = ``time:timestamp - start_timestamp``, minus the
  minutes it was suspended when the log has the optional
  ``odsc:suspended_minutes`` column (written by the reader from suspend and
  resume rows, :mod:`analysis.lifecycle`); NaN when the start is unknown.
* **waiting** before an event = its start minus the completion of the event
  before it in the case (the latest completion so far, because events are in
  completion order), never below zero. When its start is unknown, the
  complete-to-complete *transition time* is used instead: it includes the
  event's own processing. **No waiting is measured before the first event of
  a case** (NaN): a log does not say when the citizen arrived, unless it has an
  ``odsc:arrival`` column (the simulator writes one): then the first event
  waits from the arrival.
* **lead time** of a case = its last completion minus its first start (or
  first completion where starts are unknown), or minus its arrival when the
  log has one.
* **handoff**: an event whose agency differs from that of the event before
  it in the case (``unknown`` counts as an agency, as in pm4py's network
  analysis). A **ping-pong** is a handoff back to the agency that handed over
  to the current one (A -> B -> A, also A -> B -> B -> A).
* **visit**: a run of citizen-present events of one case at one door on one
  day (the UTC calendar date of the event's start, or completion, unless
  ``tz`` names a local zone). Events where the citizen is absent do not break
  a run. Citizen presence and doors come from the log's ``odsc:citizen_present``
  and ``odsc:door`` columns or, where the log has none, from the journey's
  steps matched by activity (step id or step name). Without presence, visits
  are unknown (NaN); without doors, all of a case's events share one door.
* **queue wait** (:func:`analysis.queues.queue_waits`): the waiting before a
  step that is a citizen's queue at a desk, the quantity a one-stop-shop
  queue standard ("85% served within 15 minutes") is about: the wait of a
  citizen-present step that continues a visit (same door, same day as the
  citizen's step before it), and the wait of a case's first step from the
  citizen's recorded arrival. Both need start times. Waits before a step that
  opens a new visit are not queues: they hold travel, couriers and days
  between visits.
* **citizen cost** (needs a journey): the fees of the steps its events match
  (paid again on rework) + each visit's door ``travel_cost`` + the journey's
  ``time_value_per_hour`` x the citizen's hours away from home: the
  processing of citizen-present events, their queue waits (a wait that
  continues a visit, and the first step's wait from a recorded arrival) and
  each visit's door ``travel_minutes`` both ways. The wait before a step that
  opens a new visit is not counted: it holds days at home between visits,
  which are not time off work (the static metrics of :mod:`journeys.metrics`
  count the same way, without queues).

Everything is vectorised (factorised case codes, shifts, bincounts; the
helpers are in :mod:`analysis.kpi_arrays`): a million-event log takes a few
seconds.

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["c1", "c1", "c1"],
...     "concept:name": ["submit", "check", "collect"],
...     "start_timestamp": pd.to_datetime(
...         ["2024-03-04 08:00", "2024-03-04 08:40", "2024-03-05 09:00"], utc=True),
...     "time:timestamp": pd.to_datetime(
...         ["2024-03-04 08:10", "2024-03-04 09:00", "2024-03-05 09:05"], utc=True),
...     "org:group": ["front", "tax", "front"],
... })
>>> case_kpis(log).loc["c1", ["lead_minutes", "waiting_minutes", "processing_minutes"]].tolist()
[1505.0, 1470.0, 35.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.kpi_arrays import (
    _NAT,
    _NS_PER_MINUTE,
    _case_runs,
    _citizen_cost,
    _distinct,
    _match_steps,
    _new_visits,
    _ns,
    _ordered,
    _pingpongs,
    _presence,
    _sum,
)
from analysis.lifecycle import SUSPENDED
from analysis.schema import AGENCY, ARRIVAL, CASE, DOOR, PRESENT, START, TIMESTAMP, LogError

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = ["KPI_COLUMNS", "case_kpis", "event_times", "has_start_times", "summarize"]

#: Columns of :func:`case_kpis`, in order.
KPI_COLUMNS: tuple[str, ...] = (
    "lead_minutes",
    "waiting_minutes",
    "processing_minutes",
    "events",
    "activities",
    "agencies",
    "handoffs",
    "pingpongs",
    "visits",
    "doors",
    "citizen_cost",
    "first",
    "last",
)


def has_start_times(log: pd.DataFrame, *, start: str = START) -> bool:
    """Whether the log knows when work on (some of) its events started.

    Without start times only transition times are known: ``waiting`` then
    includes processing, and ``processing`` is NaN. Reports must say so.

    Examples
    --------
    >>> import pandas as pd
    >>> has_start_times(pd.DataFrame({"start_timestamp": [pd.NaT]}))
    False
    >>> has_start_times(pd.DataFrame({"time:timestamp": [pd.Timestamp(0)]}))
    False
    """
    return start in log.columns and bool(log[start].notna().any())


def event_times(
    log: pd.DataFrame,
    *,
    case: str = CASE,
    timestamp: str = TIMESTAMP,
    start: str = START,
    agency: str = AGENCY,
    arrival: str = ARRIVAL,
) -> pd.DataFrame:
    """The log with per-event waiting, processing and handoff columns.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log (not modified).
    case, timestamp, start, agency, arrival : str
        Column names; ``start``, ``agency`` and ``arrival`` (when the citizen
        arrived for the case, the same on each of its rows) may be absent.

    Returns
    -------
    pandas.DataFrame
        The log's rows in case-then-completion order (index labels kept), with
        added columns ``waiting`` and ``processing`` (float minutes, NaN where
        unknown, see the module docstring), ``prev_agency`` (agency of the
        previous event of the case, NaN for the first), ``handoff`` and
        ``pingpong`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["c1", "c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...         "2024-01-01 10:00", "2024-01-01 09:00"], utc=True),
    ...     "org:group": ["x", "y", "x", "x"]})
    >>> event_times(log)[["waiting", "processing", "handoff", "pingpong"]]
       waiting  processing  handoff  pingpong
    0      NaN         NaN    False     False
    1     30.0         NaN     True     False
    2     90.0         NaN     True      True
    3      NaN         NaN    False     False
    """
    ordered = _ordered(log, case=case, timestamp=timestamp, start=start)
    codes, first = _case_runs(ordered[case])
    done = _ns(ordered[timestamp], timestamp)
    if (done == _NAT).any():
        raise LogError(f"event log: missing {timestamp} (read the log with read_log)")
    began = _ns(ordered[start], start) if start in ordered.columns else None

    prev_done = np.roll(done, 1)
    if began is not None:
        known = began != _NAT
        anchor = np.where(known, began, done)
        processing = np.where(known, (done - began) / _NS_PER_MINUTE, np.nan)
        if SUSPENDED in ordered.columns:
            paused = ordered[SUSPENDED].to_numpy(dtype=float, na_value=np.nan)
            processing = processing - np.nan_to_num(paused)
        waiting = (anchor - prev_done) / _NS_PER_MINUTE
        waiting = np.where(known, np.maximum(waiting, 0.0), waiting)
    else:
        processing = np.full(len(done), np.nan)
        waiting = (done - prev_done) / _NS_PER_MINUTE
    waiting[first] = np.nan
    if arrival in ordered.columns:
        came = _ns(ordered[arrival], arrival)
        known_first = first & (came != _NAT)
        lead_in = (np.where(began != _NAT, began, done) if began is not None else done) - came
        waiting[known_first] = np.maximum(lead_in[known_first] / _NS_PER_MINUTE, 0.0)

    if agency in ordered.columns:
        agencies = ordered[agency]
        prev_agency = agencies.shift(1).mask(first)
        acodes = pd.factorize(agencies, use_na_sentinel=False)[0]
        handoff = np.r_[False, acodes[1:] != acodes[:-1]] & ~first
        pingpong = _pingpongs(codes, acodes, handoff)
    else:
        prev_agency = pd.Series(np.nan, index=ordered.index)
        handoff = pingpong = np.zeros(len(done), dtype=bool)
    return ordered.assign(
        waiting=waiting,
        processing=processing,
        prev_agency=prev_agency.to_numpy(),
        handoff=handoff,
        pingpong=pingpong,
    )


def case_kpis(
    log: pd.DataFrame,
    *,
    journey: Journey | None = None,
    case: str = CASE,
    activity: str = "concept:name",
    timestamp: str = TIMESTAMP,
    start: str = START,
    agency: str = AGENCY,
    door: str = DOOR,
    present: str = PRESENT,
    arrival: str = ARRIVAL,
    tz: str | None = None,
) -> pd.DataFrame:
    """One row of TCV figures per case.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log, or the output of :func:`event_times`.
    journey : Journey, optional
        Supplies fees, travel costs and the value of time (for
        ``citizen_cost``), and doors and citizen presence of steps the log
        does not record; steps are matched by id or name to the activity.
    case, activity, timestamp, start, agency, door, present, arrival : str
        Column names; only ``case``, ``activity`` and ``timestamp`` are required.
    tz : str, optional
        IANA zone whose calendar days delimit visits; UTC days by default.

    Returns
    -------
    pandas.DataFrame
        Index: case id (in order of the sorted log). Columns
        :data:`KPI_COLUMNS`: ``lead_minutes``, ``waiting_minutes`` (sum over
        the case; 0 for a one-event case), ``processing_minutes`` (NaN when no
        start is known), ``events``, ``activities`` and ``agencies``
        (distinct), ``handoffs``, ``pingpongs``, ``visits`` and ``doors``
        (NaN when presence is unknown), ``citizen_cost`` (NaN without a
        journey), ``first`` (first start or completion) and ``last``
        (last completion).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "case:concept:name": ["c1", "c1", "c1"],
    ...     "concept:name": ["apply", "apply", "collect"],
    ...     "time:timestamp": pd.to_datetime(
    ...         ["2024-03-04 08:10", "2024-03-05 08:30", "2024-03-05 09:00"], utc=True),
    ...     "org:group": ["front", "front", "front"],
    ...     "odsc:door": ["odsc", "odsc", "odsc"],
    ...     "odsc:citizen_present": [True, True, True]})
    >>> case_kpis(log)[["lead_minutes", "events", "activities", "visits"]]
                       lead_minutes  events  activities  visits
    case:concept:name
    c1                       1490.0       3           2     2.0
    """
    ev = log if {"waiting", "processing", "handoff", "pingpong"} <= set(log.columns) else None
    if ev is None:
        ev = event_times(
            log, case=case, timestamp=timestamp, start=start, agency=agency, arrival=arrival
        )
    else:  # per-event columns stay valid when rows are merely put back in order
        ev = _ordered(ev, case=case, timestamp=timestamp, start=start)
    codes, first = _case_runs(ev[case])
    n = int(codes[-1]) + 1 if len(codes) else 0
    ids = ev[case].to_numpy()[first]
    done = _ns(ev[timestamp], timestamp)
    began = _ns(ev[start], start) if start in ev.columns else np.full(len(done), _NAT)
    anchor = np.where(began != _NAT, began, done)
    starts_at = np.flatnonzero(first)
    opened = anchor
    if arrival in ev.columns:
        came = _ns(ev[arrival], arrival)
        opened = np.where(first & (came != _NAT), np.minimum(anchor, came), anchor)
    t_first = np.minimum.reduceat(opened, starts_at) if n else anchor[:0]
    t_last = np.maximum.reduceat(done, starts_at) if n else done[:0]

    waiting = ev["waiting"].to_numpy(dtype=float)
    processing = ev["processing"].to_numpy(dtype=float)
    proc_known = np.bincount(codes, weights=~np.isnan(processing), minlength=n)
    out = pd.DataFrame(index=pd.Index(ids, name=case))
    out["lead_minutes"] = (t_last - t_first) / _NS_PER_MINUTE
    out["waiting_minutes"] = _sum(codes, waiting, n)
    out["processing_minutes"] = np.where(proc_known > 0, _sum(codes, processing, n), np.nan)
    out["events"] = np.bincount(codes, minlength=n)
    out["activities"] = _distinct(codes, ev[activity], n)
    out["agencies"] = _distinct(codes, ev[agency], n) if agency in ev else 0
    out["handoffs"] = np.bincount(codes, weights=ev["handoff"].to_numpy(bool), minlength=n)
    out["pingpongs"] = np.bincount(codes, weights=ev["pingpong"].to_numpy(bool), minlength=n)
    out[["handoffs", "pingpongs"]] = out[["handoffs", "pingpongs"]].astype(np.int64)

    steps = _match_steps(ev[activity], journey) if journey is not None else None
    here, doors = _presence(ev, steps, journey, door=door, present=present)
    if here is None:
        out["visits"] = np.nan
        out["doors"] = np.nan
        new_visit = np.zeros(len(ev), dtype=bool)
    else:
        new_visit = _new_visits(codes, first, here, doors, anchor, tz)
        out["visits"] = np.bincount(codes, weights=new_visit, minlength=n)
        door_of = doors.where(here) if doors is not None else pd.Series(np.where(here, "", None))
        out["doors"] = _distinct(codes, door_of, n).astype(float)
    out["citizen_cost"] = (
        _citizen_cost(codes, n, journey, steps, here, doors, new_visit, first, waiting, processing)
        if journey is not None
        else np.nan
    )
    out["first"] = pd.to_datetime(t_first, utc=True)
    out["last"] = pd.to_datetime(t_last, utc=True)
    return out


def summarize(
    kpis: pd.DataFrame, *, sla_minutes: float = 15, events: pd.DataFrame | None = None
) -> pd.Series:
    """Headline figures of a set of cases: the TCV summary of a report.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The output of :func:`case_kpis`.
    sla_minutes : float
        The service-level threshold on waiting (15 minutes in many one-stop
        shop charters).
    events : pandas.DataFrame, optional
        The output of :func:`event_times`, for the share of events waiting
        at most ``sla_minutes`` (NaN without it).

    Returns
    -------
    pandas.Series
        Floats: ``cases``, ``lead_minutes_{median,mean,p90}``,
        ``waiting_minutes_{median,mean,p90}``, ``processing_minutes_mean``,
        ``visits_mean``, ``citizen_cost_mean``, ``handoffs_mean``,
        ``pingpong_case_share`` (cases with a ping-pong),
        ``cases_within_sla`` (share whose total waiting is at most
        ``sla_minutes``), ``events_within_sla`` (share of measured waits at
        most ``sla_minutes``), ``sla_minutes`` and ``has_start_times`` (1 or
        0). ``attrs["notes"]`` holds sentences a report must show (e.g. that
        waiting is transition time when no start times are known).

    Examples
    --------
    >>> import pandas as pd
    >>> kpis = pd.DataFrame({"lead_minutes": [10.0, 20.0, 60.0],
    ...     "waiting_minutes": [0.0, 10.0, 40.0], "processing_minutes": [5.0, 5.0, 5.0],
    ...     "handoffs": [0, 1, 2], "pingpongs": [0, 0, 1],
    ...     "visits": [1.0, 1.0, 2.0], "citizen_cost": [float("nan")] * 3})
    >>> s = summarize(kpis)
    >>> s[["cases", "lead_minutes_median", "waiting_minutes_mean", "cases_within_sla"]].tolist()
    [3.0, 20.0, 16.666666666666668, 0.6666666666666666]
    """
    out: dict[str, float] = {"cases": float(len(kpis))}
    for col in ("lead_minutes", "waiting_minutes"):
        values = kpis[col].astype(float)
        out[f"{col}_median"] = float(values.median())
        out[f"{col}_mean"] = float(values.mean())
        out[f"{col}_p90"] = float(values.quantile(0.9))
    for col in ("processing_minutes", "visits", "citizen_cost", "handoffs"):
        out[f"{col}_mean"] = float(kpis[col].astype(float).mean()) if col in kpis else np.nan
    if "pingpongs" in kpis:
        out["pingpong_case_share"] = float((kpis["pingpongs"] > 0).mean())
    else:
        out["pingpong_case_share"] = np.nan
    wait = kpis["waiting_minutes"].astype(float).dropna()
    out["cases_within_sla"] = float((wait <= sla_minutes).mean()) if len(wait) else np.nan
    if events is not None:
        ev_wait = events["waiting"].astype(float).dropna()
        out["events_within_sla"] = (
            float((ev_wait <= sla_minutes).mean()) if len(ev_wait) else np.nan
        )
    else:
        out["events_within_sla"] = np.nan
    out["sla_minutes"] = float(sla_minutes)
    starts = "processing_minutes" in kpis and bool(kpis["processing_minutes"].notna().any())
    out["has_start_times"] = float(starts)
    series = pd.Series(out, dtype=float)
    notes = []
    if not starts:
        notes.append(
            "The log has no start times: waiting is the time between consecutive "
            "completions (transition time, including processing) and processing is unknown."
        )
    if "visits" in kpis and kpis["visits"].isna().all():
        notes.append("The log does not say when the citizen had to be present: visits are unknown.")
    series.attrs["notes"] = notes
    return series
