"""What one replication measures: the simulated log, reduced to KPI figures.

:func:`measure_replication` runs the engine once and measures its log with the
project's one ruler (:func:`analysis.kpis.case_kpis`); :mod:`simulations.experiments`
calls it for every scenario and replication. The rules (which cases are
measured, what each KPI means) are in that module's docstring.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.schema import CASE
from journeys.model import Journey

if TYPE_CHECKING:  # pragma: no cover
    from simulations.engine import SimulationResult

__all__ = [
    "arrival_cutoff",
    "log_with_arrivals",
    "measure_replication",
    "priced",
    "queue_by_hour",
    "replay_log",
]

_MIN_PER_DAY = 1440.0


def arrival_cutoff(journey: Journey, days: int) -> pd.Timestamp:
    """Midnight after the ``days``-th day citizens arrive on (the engine's clock).

    The arrival calendar is the engine's: that of the first step's desks, else
    the journey's first calendar, else round the clock.
    """
    from simulations.calendar import always_open, as_date, open_days
    from simulations.engine import DEFAULT_START

    first = journey.step(journey.start)
    if first.pool is not None:
        cal = journey.calendar(journey.pool(first.pool).calendar)
    else:
        cal = journey.calendars[0] if journey.calendars else always_open()
    day0 = as_date(DEFAULT_START)
    last = open_days(cal, day0, days)[-1]
    return pd.Timestamp(day0, tz="UTC") + pd.Timedelta(days=last + 1)


def log_with_arrivals(result: SimulationResult) -> pd.DataFrame:
    """The simulated log with each case's arrival in ``odsc:arrival``.

    With it, :func:`analysis.kpis.case_kpis` counts the queue before a case's
    first step as waiting and measures lead time from the arrival.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> from simulations.engine import simulate
    >>> res = simulate(load_catalog("land-title-one-door"), days=3, seed=1)
    >>> log = log_with_arrivals(res)
    >>> bool((log["odsc:arrival"] <= log["start_timestamp"]).all())
    True
    """
    from analysis.schema import ARRIVAL, CASE

    arrival = result.cases.set_index(CASE)["arrival"]
    log = result.log
    if log.empty:  # no citizen came: an empty column of the arrivals' type
        return log.assign(**{ARRIVAL: pd.Series(index=log.index, dtype=arrival.dtype)})
    return log.assign(**{ARRIVAL: log[CASE].map(arrival)})


def measure_replication(
    journey: Journey,
    *,
    name: str,
    replication: int,
    days: int,
    warmup_days: int,
    tail_days: int,
    seed: int,
    sla_minutes: float = 15.0,
    arrivals_per_day: float | None = None,
) -> tuple[dict[str, float | str | int], pd.DataFrame, pd.DataFrame]:
    """Simulate one replication of one scenario and reduce it to KPI figures.

    Simulates ``days + tail_days`` working days and measures the cases that
    arrived on the days after the warm-up (see :mod:`simulations.experiments`).
    A journey in which no step needs the citizen present records no presence:
    its ``visits``, ``doors`` and ``within_sla`` are NaN ("not recorded").
    The synthetic ``Case start`` and ``Case end`` steps of a calibrated journey
    (:func:`analysis.calibrate.boundary_steps`) are left out of the measured
    log: they are no agency's work, so they make no handoff and no first desk.

    Returns
    -------
    row : dict
        ``scenario`` (``name``), ``replication`` and the KPIs.
    cases : pandas.DataFrame
        Per measured, finished case: ``lead_days``, ``waiting_days``,
        ``visits``, ``first_queue_minutes``.
    queues : pandas.DataFrame
        Time-average number waiting per ``pool``, ``citizen``, ``hour``.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> row, cases, queues = measure_replication(load_catalog("land-title-one-door"),
    ...     name="x", replication=0, days=3, warmup_days=1, tail_days=10, seed=1)
    >>> row["cases"] == len(cases), row["unfinished"]
    (True, 0.0)
    """
    from analysis.calibrate import boundary_steps
    from analysis.kpis import case_kpis, event_times
    from analysis.schema import ACTIVITY, CASE
    from simulations.engine import simulate

    res = simulate(
        journey,
        days=days + tail_days,
        seed=seed,
        warmup_days=warmup_days,
        replication=replication,
        arrivals_per_day=arrivals_per_day,
    )
    cases = res.cases
    measured = cases[cases["arrival"] < arrival_cutoff(journey, days)]
    done = measured[measured["finished"]]
    log = log_with_arrivals(res)
    # the zero-time Case start / Case end of a calibrated model are no agency's work
    log = log[~log[ACTIVITY].isin(boundary_steps(journey))]
    ev = event_times(log[log[CASE].isin(done[CASE])])
    k = case_kpis(ev, journey=journey)
    n = len(k)
    row: dict[str, float | str | int] = {"scenario": name, "replication": replication}
    lead = k["lead_minutes"].to_numpy(dtype=float) / _MIN_PER_DAY
    wait = k["waiting_minutes"].to_numpy(dtype=float) / _MIN_PER_DAY
    for key, x in (("waiting", wait), ("lead", lead)):
        row[f"{key}_median"] = float(np.median(x)) if n else math.nan
        row[f"{key}_mean"] = float(x.mean()) if n else math.nan
        row[f"{key}_p90"] = float(np.quantile(x, 0.9)) if n else math.nan
    for col in ("visits", "doors", "handoffs", "citizen_cost"):
        row[col] = float(k[col].mean()) if n else math.nan
    after_warmup = res.arrived - res.warmup_arrived
    row["staff_cost"] = res.staff_cost / after_warmup if after_warmup else math.nan
    # a model that prices nothing does not say the cost is 0: it is not recorded
    if not priced(journey):
        row["citizen_cost"] = math.nan
    if not any(p.cost_per_hour for p in journey.pools):
        row["staff_cost"] = math.nan
    first_queue = ev.loc[~ev[CASE].duplicated(), "waiting"].to_numpy(dtype=float)
    row["within_sla"] = float((first_queue <= sla_minutes).mean()) if n else math.nan
    desk_queue = _desk_queues(res, k[CASE] if CASE in k.columns else k.index)
    waits = _desk_visit_waits(res, k[CASE] if CASE in k.columns else k.index)
    row["desk_within_sla"] = float((waits <= sla_minutes).mean()) if len(waits) else math.nan
    row["desk_queue"] = float(desk_queue.mean()) if n and len(waits) else math.nan
    # A model in which no step needs the citizen says nothing about presence (a log
    # without it calibrates to one): its visits, offices and desk queues are not
    # recorded, not 0 and not 100% served within the standard.
    if not any(s.citizen_present for s in journey.steps):
        for col in ("visits", "doors", "within_sla", "desk_within_sla", "desk_queue"):
            row[col] = math.nan
    row["cases"] = float(len(measured))
    row["unfinished"] = float(len(measured) - len(done))
    for pool, u in res.utilisation.items():
        row[f"util:{pool}"] = float(u)
    per_case = pd.DataFrame(
        {
            "scenario": name,
            "replication": replication,
            "lead_days": lead,
            "waiting_days": wait,
            "visits": k["visits"].to_numpy(dtype=float),
            "first_queue_minutes": first_queue,
            "desk_queue_minutes": desk_queue,
        }
    )
    facing = {s.pool for s in journey.steps if s.citizen_present and s.pool is not None}
    queue = queue_by_hour(res.queue_lengths, res.end)
    queue.insert(2, "citizen", queue["pool"].isin(facing))
    queue.insert(0, "replication", replication)
    queue.insert(0, "scenario", name)
    return row, per_case, queue


def queue_by_hour(q: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Time-average number waiting per pool and hour of day, from change points.

    ``q`` holds change points (``time``, ``pool``, ``length``): the length holds
    from each time to the pool's next point, the last one until ``end``. The
    step function is integrated exactly over every clock hour (a length held
    from 15:50 to 08:10 counts in each hour it covers), then averaged per hour
    of day. Written with numpy because pandas' resampling would allocate a row
    per minute to do the same.

    Examples
    --------
    >>> t = pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:30"], utc=True)
    >>> q = pd.DataFrame({"time": t, "pool": ["a", "a"], "length": [2, 0]})
    >>> out = queue_by_hour(q, pd.Timestamp("2026-01-05 10:00", tz="UTC"))
    >>> out.values.tolist()
    [['a', 8, 1.0], ['a', 9, 0.0]]
    """
    frames = []
    for pool, part in q.groupby("pool", sort=True):
        # seconds after the midnight before the first point: small numbers, exact sums
        ns = pd.DatetimeIndex(part["time"]).as_unit("ns").asi8
        origin = ns[0] - ns[0] % (86_400 * 10**9)
        t = (ns - origin) / 1e9
        stop = (end.value - origin) / 1e9
        length = part["length"].to_numpy(dtype=float)
        held = np.diff(np.append(t, stop))
        area = np.concatenate([[0.0], np.cumsum(length * held)])  # integral up to each point
        hours = np.arange(math.floor(t[0] / 3600) * 3600, stop, 3600.0)
        edges = np.clip(np.append(hours, stop), t[0], stop)
        i = np.searchsorted(t, edges, side="right") - 1
        integral = area[i] + length[i] * (edges - t[i])
        span = np.diff(edges)
        by_hour = pd.DataFrame(
            {"hour": ((hours // 3600) % 24).astype(int), "a": np.diff(integral), "s": span}
        )
        g = by_hour.groupby("hour").sum()
        g = g[g["s"] > 0]
        frames.append(
            pd.DataFrame(
                {"pool": str(pool), "hour": g.index.to_numpy(), "queue": (g["a"] / g["s"]).values}
            )
        )
    if not frames:
        return pd.DataFrame({"pool": [], "hour": [], "queue": []})
    return pd.concat(frames, ignore_index=True)


def priced(journey: Journey) -> bool:
    """Whether the journey says what the citizen pays: fees, travel costs or a value of time.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> priced(load_catalog("business-licence"))
    True
    """
    return (
        any(s.fee for s in journey.steps)
        or any(d.travel_cost for d in journey.doors)
        or bool(journey.time_value_per_hour)
    )


def replay_log(
    journey: Journey, log: pd.DataFrame, *, seed: int, replications: int = 1
) -> tuple[pd.DataFrame, int]:
    """Simulate ``journey`` with the case starts of a real ``log``; the finished cases' log.

    This is how a calibrated model is checked against the log it came from
    (:func:`analysis.fidelity.fidelity`): the same citizens arrive at the same
    moments, so only the model's routing, durations and desks differ. The run
    lasts from the first case start to the log's last event, plus the
    longest real case again and 60 days, so that simulated cases have time to
    finish. Cases still open at the end are left out and counted.
    Replications are pooled, their case ids suffixed ``/r0``, ``/r1``, ...
    Pass the log in the clock the journey was calibrated in
    (:func:`analysis.timezones.local_log`).

    Returns
    -------
    log : pandas.DataFrame
        The simulated events of the finished cases.
    unfinished : int
        Cases still open at the end, over all replications.

    Examples
    --------
    >>> from journeys import load_catalog
    >>> from simulations.engine import simulate
    >>> j = load_catalog("land-title-one-door")
    >>> real = simulate(j, days=3, seed=1).log
    >>> sim, open_cases = replay_log(j, real, seed=2)
    >>> sim["case:concept:name"].nunique() + open_cases == real["case:concept:name"].nunique()
    True
    """
    from analysis.schema import CASE, TIMESTAMP
    from simulations.arrivals import case_starts
    from simulations.engine import simulate

    starts = case_starts(log)
    by_case = log.groupby(CASE)[TIMESTAMP]
    longest = (by_case.max() - by_case.min()).max()
    days = (log[TIMESTAMP].max() - starts.min()).days + longest.days + 60
    logs, unfinished = [], 0
    for r in range(replications):
        res = simulate(journey, days=max(int(days), 1), seed=seed, replication=r, arrivals=starts)
        done = res.log[res.log[CASE].isin(set(res.finished_cases))]
        unfinished += res.arrived - res.finished
        logs.append(done.assign(**{CASE: done[CASE].astype(str) + f"/r{r}"}))
    return pd.concat(logs, ignore_index=True), unfinished


def _citizen_desk_waits(res: SimulationResult, cases: Any) -> pd.DataFrame:
    """The desk services of these cases at which the citizen stood in the line."""
    w = res.desk_waits
    if w is None:
        return pd.DataFrame({CASE: [], "wait_minutes": []})
    return w[w[CASE].isin(set(cases)) & w["odsc:citizen_present"].astype(bool)]


def _desk_visit_waits(res: SimulationResult, cases: Any) -> np.ndarray:
    """Minutes each citizen stood in a desk's line, one value per service, every visit.

    This is the like-for-like queue of a before/after: every citizen-facing
    desk the citizen meets counts, the first and the later ones, in the as-is
    and the to-be alike (:attr:`SimulationResult.desk_waits`: from joining the
    line of the open desks to the start of service; travel, couriers and
    backlogs are not in it).
    """
    return _citizen_desk_waits(res, cases)["wait_minutes"].to_numpy(dtype=float)


def _desk_queues(res: SimulationResult, cases: Any) -> np.ndarray:
    """Total minutes in desk lines per case, over all its visits (0 for none)."""
    ids = pd.Index(pd.unique(np.asarray(list(cases), dtype=object)))
    w = _citizen_desk_waits(res, ids)
    total = w.groupby(CASE)["wait_minutes"].sum()
    return total.reindex(ids, fill_value=0.0).to_numpy(dtype=float)

