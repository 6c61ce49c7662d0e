"""Prosimos simulation parameters: a journey's JSON out, and back in.

`Prosimos <https://github.com/AutomatedProcessImprovement/Prosimos>`_ (the
simulator behind Simod and Apromore's simulation) reads a BPMN model and a
JSON file of parameters. :func:`to_prosimos` writes that JSON for the BPMN of
:func:`journeys.bpmn_export.to_bpmn`:

* ``resource_profiles``: one profile per pool, one resource with ``amount``
  equal to the desks; a step without a pool (no queue, any hour) gets a
  resource of :data:`UNLIMITED` desks open around the clock;
* ``resource_calendars``: one per calendar, a period per opening interval and
  run of working days;
* ``task_resource_distribution``: each task's duration in **seconds**, with
  Prosimos' names (``fix``, ``expon``, ``uniform``, ``norm``, ``lognorm``,
  ``gamma``; lognormal and gamma by mean and variance, as Prosimos reads them);
* ``gateway_branching_probabilities``: the branches of each exclusive split;
* ``event_distribution``: the delay of each handoff timer, in seconds;
* ``arrival_time_distribution``: exponential inter-arrival times whose mean is
  the start desk's open seconds a day over the cases a day, so that the rate
  while open is the journey's; ``arrival_time_calendar``: that desk's hours.

What Prosimos cannot express is listed by :func:`lossy_notes` (and returned
by :func:`to_prosimos`), never dropped silently: the citizen's visits and
going home at closing, fees, documents, travel, hourly and weekday arrival
weights, holidays, appointments, courier batch times, backlogs, and the
distributions Prosimos has no name for (``triangular``, ``empirical``: sent as
a normal distribution of the same mean and spread, cut at their range).

:func:`read_prosimos` reads such a JSON back for
:func:`journeys.bpmn_import.from_bpmn` (durations, probabilities, desks,
calendars and arrivals).

Examples
--------
>>> from journeys.model import Journey
>>> params, lossy = to_prosimos(Journey.from_catalog("business-licence"))
>>> sorted(params)[:3]
['arrival_time_calendar', 'arrival_time_distribution', 'event_distribution']
>>> any("visits" in line for line in lossy)
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Calendar, Distribution, Journey

__all__ = ["UNLIMITED", "lossy_notes", "read_prosimos", "to_prosimos"]

#: Desks given to a step without a pool (our "no queue").
UNLIMITED = 1000
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_SECONDS = 10 * 365 * 86400.0  # the upper cut Prosimos needs on open distributions


def _params(values: list[float]) -> list[dict[str, float]]:
    return [{"value": float(v)} for v in values]


def _sd(d: Distribution) -> float:
    p = d.params
    if d.dist == "triangular":
        a, c, b = float(p["low"]), float(p["mode"]), float(p["high"])
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    s = [float(x) for x in p["samples"]]
    m = sum(s) / len(s)
    return math.sqrt(sum((x - m) ** 2 for x in s) / max(len(s) - 1, 1))


def prosimos_distribution(d: Distribution) -> dict[str, Any]:
    """A duration distribution (minutes) in Prosimos' terms (seconds).

    Examples
    --------
    >>> from journeys.model import Distribution
    >>> prosimos_distribution(Distribution("lognormal", {"mean": 2, "sd": 1}))
    {'distribution_name': 'lognorm', 'distribution_params': [{'value': 120.0}, {'value': 3600.0}, {'value': 0.0}, {'value': 315360000.0}]}
    >>> prosimos_distribution(Distribution.fixed(1))["distribution_params"]
    [{'value': 60.0}]
    """
    p = {k: v for k, v in d.params.items()}
    if d.dist == "fixed":
        return {"distribution_name": "fix", "distribution_params": _params([60 * p["value"]])}
    if d.dist == "exponential":
        return {"distribution_name": "expon",
                "distribution_params": _params([60 * p["mean"], 0, _MAX_SECONDS])}
    if d.dist == "uniform":
        return {"distribution_name": "uniform",
                "distribution_params": _params([60 * p["low"], 60 * p["high"]])}
    if d.dist in ("lognormal", "gamma"):
        return {"distribution_name": "lognorm" if d.dist == "lognormal" else "gamma",
                "distribution_params": _params([60 * p["mean"], (60 * p["sd"]) ** 2, 0,
                                                _MAX_SECONDS])}
    lo = float(p["low"]) if d.dist == "triangular" else min(p["samples"])
    hi = float(p["high"]) if d.dist == "triangular" else max(p["samples"])
    return {"distribution_name": "norm",
            "distribution_params": _params([60 * d.mean, 60 * _sd(d), 60 * lo, 60 * hi])}


def _calendar_periods(c: Calendar) -> list[dict[str, str]]:
    """Opening intervals as Prosimos time periods, runs of consecutive days merged.

    >>> from journeys.model import Calendar
    >>> _calendar_periods(Calendar("x", (("08:00", "12:00"),)))
    [{'from': 'MONDAY', 'to': 'FRIDAY', 'beginTime': '08:00:00', 'endTime': '12:00:00'}]
    """
    idx = sorted(_SHORT.index(d) for d in c.days)
    runs: list[list[int]] = []
    for i in idx:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for a, b in c.hours:
        end = "23:59:59" if b == "24:00" else f"{b}:00"
        for run in runs:
            out.append({"from": _DAYS[run[0]], "to": _DAYS[run[-1]], "beginTime": f"{a}:00",
                        "endTime": end})
    return out


def _step_calendar(journey: Journey, step_id: str, *, arrivals: bool = False) -> Calendar:
    """The calendar of a step's desks; a step without desks works at any hour.

    Arrivals without desks at the first step follow the journey's first
    calendar, as in :mod:`simulations.engine`.
    """
    s = journey.step(step_id)
    if s.pool is not None:
        return journey.calendar(journey.pool(s.pool).calendar)
    if arrivals and journey.calendars:
        return journey.calendars[0]
    from journeys.model import Calendar

    return Calendar("always", (("00:00", "24:00"),), _SHORT)


def to_prosimos(journey: Journey) -> tuple[dict[str, Any], list[str]]:
    """Prosimos parameters for the BPMN of :func:`~journeys.bpmn_export.to_bpmn`, and what they lose.

    Returns
    -------
    params : dict
        The JSON document (write it with :func:`json.dump`).
    lossy : list of str
        One line per thing of the journey Prosimos cannot express.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> j = Journey.from_catalog("family-book-one-door")
    >>> params, _ = to_prosimos(j)
    >>> [p["amount"] for r in params["resource_profiles"] for p in r["resource_list"]][:2]
    [1, 1]
    >>> params["arrival_time_distribution"]["distribution_params"][0]["value"]  # 7 h / 10 cases
    2520.0
    """
    from journeys.bpmn_export import process_graph

    g = process_graph(journey)
    profiles = []
    task_dist = []
    calendars = {c.id: c for c in journey.calendars}
    for p in journey.pools:
        tasks = [g.task_of[s.id] for s in journey.steps if s.pool == p.id]
        profiles.append({"id": p.id, "name": p.name or p.id, "resource_list": [
            {"id": f"{p.id}_desk", "name": p.name or p.id, "cost_per_hour": p.cost_per_hour,
             "amount": int(p.capacity), "calendar": p.calendar, "assignedTasks": tasks}]})
    for s in journey.steps:
        rid = f"{s.pool}_desk"
        if s.pool is None:
            cal = _step_calendar(journey, s.id)
            calendars.setdefault(cal.id, cal)
            rid = f"{g.task_of[s.id]}_unlimited"
            profiles.append({"id": rid, "name": f"{s.label} (no queue)", "resource_list": [
                {"id": rid, "name": f"{s.label} (no queue)", "cost_per_hour": 0,
                 "amount": UNLIMITED, "calendar": cal.id, "assignedTasks": [g.task_of[s.id]]}]})
        task_dist.append({"task_id": g.task_of[s.id], "resources": [
            {"resource_id": rid, **prosimos_distribution(s.duration)}]})
    gateways: dict[str, list[dict[str, Any]]] = {}
    for f in g.flows:
        if f.probability is not None:
            gateways.setdefault(f.source, []).append({"path_id": f.id, "value": f.probability})
    events = []
    for n in g.nodes:
        if n.kind == "intermediateCatchEvent":
            tr = journey.transitions[n.transition]  # type: ignore[index]
            from journeys.model import Distribution

            d = tr.delay if tr.delay is not None else Distribution.fixed(0)
            events.append({"event_id": n.id, **prosimos_distribution(d)})
    start_cal = _step_calendar(journey, journey.start, arrivals=True)
    open_seconds = start_cal.minutes_open_per_day * 60
    mean_gap = open_seconds / journey.arrivals.per_day if journey.arrivals.per_day > 0 else 86400
    params = {
        "resource_profiles": profiles,
        "resource_calendars": [{"id": c.id, "name": c.id, "time_periods": _calendar_periods(c)}
                               for c in calendars.values()],
        "task_resource_distribution": task_dist,
        "gateway_branching_probabilities": [{"gateway_id": k, "probabilities": v}
                                            for k, v in gateways.items()],
        "arrival_time_distribution": {"distribution_name": "expon",
                                      "distribution_params": _params([mean_gap, 0, _MAX_SECONDS])},
        "arrival_time_calendar": _calendar_periods(start_cal),
        "event_distribution": events,
    }
    return params, lossy_notes(journey)


def lossy_notes(journey: Journey) -> list[str]:
    """What of ``journey`` the Prosimos parameters cannot say, one line each.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> for line in lossy_notes(Journey.from_catalog("land-title-one-door"))[:2]:
    ...     print(line)
    visits: 3 citizen-present steps (submit, pay_fees, collect_title); Prosimos has no citizen, so no visits and no travel
    going home at closing: a citizen still queuing at closing comes back the next open day in odsc; Prosimos' desks pause and resume the work instead
    """
    out = []
    present = [s.id for s in journey.steps if s.citizen_present]
    if present:
        out.append(f"visits: {len(present)} citizen-present steps ({', '.join(present[:6])}"
                   f"{', ...' if len(present) > 6 else ''}); Prosimos has no citizen, so no "
                   "visits and no travel")
        out.append("going home at closing: a citizen still queuing at closing comes back the "
                   "next open day in odsc; Prosimos' desks pause and resume the work instead")
    if any(c.hours != (("00:00", "24:00"),) for c in journey.calendars):
        out.append("work running at closing: odsc lets a started service run to its end, "
                   "Prosimos pauses it until the desk's next opening")
    fees = [s.id for s in journey.steps if s.fee]
    if fees:
        out.append(f"fees: {len(fees)} steps charge fees ({', '.join(fees[:6])}); Prosimos has no "
                   "citizen cost (only desk cost per hour)")
    if any(s.documents for s in journey.steps):
        out.append("documents: the papers each step asks for are not kept")
    travel = [d.id for d in journey.doors if d.travel_minutes or d.travel_cost]
    if travel:
        out.append(f"travel: time and cost of reaching {', '.join(travel)} are not kept")
    a = journey.arrivals
    if a.hourly:
        out.append("hourly arrival weights: Prosimos draws inter-arrival times from one "
                   "exponential distribution inside the arrival calendar")
    if a.weekday:
        out.append("weekday arrival weights: every working day gets the same rate")
    if a.appointment_share:
        out.append(f"appointments: {a.appointment_share:.0%} of citizens with an appointment "
                   "are not served first")
    hol = [c.id for c in journey.calendars if c.holidays]
    if hol:
        out.append(f"holidays: the closed dates of calendar(s) {', '.join(hol)} are not kept "
                   "(Prosimos calendars are weekly)")
    batch = [f"{t.source}->{t.target}" for t in journey.transitions if t.batch_times]
    if batch:
        out.append(f"courier batch times: {', '.join(batch[:5])}{', ...' if len(batch) > 5 else ''}"
                   " leave at once in Prosimos (the timer's delay only)")
    backlog = [f"{t.source}->{t.target}" for t in journey.transitions if t.backlog is not None]
    if backlog:
        out.append(f"backlogs: the receiving agency's backlog of {', '.join(backlog[:5])} is not "
                   "kept (the timer holds the transfer delay only)")
    odd = [s.id for s in journey.steps if s.duration.dist in ("triangular", "empirical")]
    odd += [f"{t.source}->{t.target}" for t in journey.transitions
            if t.delay is not None and t.delay.dist in ("triangular", "empirical")]
    if odd:
        out.append(f"distributions: {', '.join(odd[:6])} are triangular or empirical, sent as a "
                   "normal distribution of the same mean and spread, cut at their range")
    if any(s.pool is None for s in journey.steps):
        out.append(f"no-queue steps: a step without desks gets {UNLIMITED:,} desks in Prosimos")
    return out


def read_prosimos(params: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Prosimos JSON that a journey holds, keyed by BPMN element ids.

    Returns a dict with ``prob`` (flow id to probability), ``duration`` (task
    id to a journey distribution, minutes), ``pool`` (task id to pool id),
    ``pools`` and ``calendars`` (journey-file entries), ``per_day`` and
    ``notes`` (what was read approximately or not at all). A ``norm``
    duration becomes a lognormal of the same mean and spread (durations are
    never negative); the min and max cuts are not kept.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> params, _ = to_prosimos(Journey.from_catalog("family-book-one-door"))
    >>> r = read_prosimos(params)
    >>> r["duration"]["Task_submit"], r["per_day"]
    ({'dist': 'lognormal', 'mean': 20.0, 'sd': 8.0}, 10.0)
    """
    from journeys.errors import InputError

    notes: list[str] = []
    if isinstance(params.get("resource_profiles"), dict) or isinstance(
            params.get("task_resource_distribution"), dict):
        raise InputError("not Prosimos parameters of the format Prosimos 2 reads: "
                         "resource_profiles and task_resource_distribution are mappings "
                         "(the format before Prosimos 2), not lists")
    try:
        prob = {p["path_id"]: float(p["value"])
                for g in params.get("gateway_branching_probabilities", [])
                for p in g["probabilities"] if "value" in p}
        res_pool: dict[str, str] = {}
        pools: dict[str, Any] = {}
        for prof in params.get("resource_profiles", []):
            for r in prof["resource_list"]:
                res_pool[r["id"]] = prof["id"]
                pools[prof["id"]] = {"capacity": int(r["amount"]), "calendar": r["calendar"],
                                     "cost_per_hour": float(r.get("cost_per_hour", 0))}
        duration: dict[str, Any] = {}
        pool: dict[str, str] = {}
        for t in params.get("task_resource_distribution", []):
            if t["resources"]:
                r = t["resources"][0]
                d = _from_prosimos(r, f"task {t['task_id']}", notes)
                if d is not None:
                    duration[t["task_id"]] = d
                if r["resource_id"] in res_pool:
                    pool[t["task_id"]] = res_pool[r["resource_id"]]
        calendars = {}
        for c in params.get("resource_calendars", []):
            calendars[c["id"]] = _calendar_from(c["time_periods"], f"calendar {c['id']}", notes)
        per_day = None
        arr = params.get("arrival_time_distribution")
        cal = params.get("arrival_time_calendar")
        if arr and cal:
            gap = _from_prosimos(arr, "arrival_time_distribution", notes)
            hours = _calendar_from(cal)["hours"]
            open_min = sum(_span(h) for h in hours)
            if gap is not None:
                per_day = round(open_min / max(_mean(gap), 1e-9), 6)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise InputError(f"not Prosimos parameters: missing or bad field {e}") from None
    return {"prob": prob, "duration": duration, "pool": pool, "pools": pools,
            "calendars": calendars, "per_day": per_day, "notes": notes}


def _span(h: str) -> float:
    a, b = h.split("-")
    ha, ma = a.split(":")
    hb, mb = b.split(":")
    return (int(hb) * 60 + int(mb)) - (int(ha) * 60 + int(ma))


def _mean(d: dict[str, Any]) -> float:
    from journeys.model import Distribution

    return Distribution(d["dist"], {k: v for k, v in d.items() if k != "dist"}).mean


#: How many parameters Prosimos 2.1 reads for each distribution, and what they are.
_PARAMS = {"fix": (1, "value"), "expon": (3, "mean, min, max"), "uniform": (2, "min, max"),
           "norm": (4, "mean, sd, min, max"), "lognorm": (4, "mean, variance, min, max"),
           "gamma": (4, "mean, variance, min, max")}


def _from_prosimos(r: dict[str, Any], what: str, notes: list[str]) -> dict[str, Any] | None:
    """A Prosimos distribution (seconds) as a journey one (minutes), read as Prosimos 2.1 does.

    Other names, and lists of another length (files of older Prosimos versions
    use scipy's shape, loc and scale), are named in ``notes``; an unknown name
    gives None (the caller's default).

    >>> notes = []
    >>> _from_prosimos({"distribution_name": "expon", "distribution_params":
    ...                 [{"value": 600}, {"value": 0}, {"value": 6000}]}, "task t", notes)
    {'dist': 'exponential', 'mean': 10.0}
    >>> _from_prosimos({"distribution_name": "exponnorm", "distribution_params": []}, "task t", notes)
    >>> notes
    ["task t: Prosimos distribution 'exponnorm' has no journey equivalent; the default duration is used"]
    """
    name = r["distribution_name"]
    raw = [p["value"] if isinstance(p, dict) else p for p in r["distribution_params"]]
    if name not in _PARAMS:
        notes.append(f"{what}: Prosimos distribution {name!r} has no journey equivalent; "
                     "the default duration is used")
        return None
    n, meaning = _PARAMS[name]
    if len(raw) != n and not (name == "fix" and raw):
        notes.append(f"{what}: {len(raw)} parameters for {name!r} where Prosimos 2.1 reads {n} "
                     f"({meaning}); read as Prosimos 2.1 reads them")
    v = [float(x) / 60 for x in raw]
    if name == "fix":
        return {"dist": "fixed", "value": v[0]}
    if name == "expon":
        return {"dist": "exponential", "mean": v[0]}
    if name == "uniform":
        return {"dist": "uniform", "low": v[0], "high": v[1]}
    if name == "norm":
        return {"dist": "lognormal", "mean": v[0], "sd": v[1]}
    sd = math.sqrt(float(raw[1])) / 60
    return {"dist": "lognormal" if name == "lognorm" else "gamma", "mean": v[0], "sd": sd}


def _calendar_from(periods: list[dict[str, str]], what: str = "",
                   notes: list[str] | None = None) -> dict[str, Any]:
    """A journey calendar from Prosimos time periods.

    A journey keeps the same hours on every working day; when Prosimos' days
    differ, every open day gets the union of their hours (overlaps merged),
    said in ``notes``.

    >>> notes = []
    >>> _calendar_from([{"from": "MONDAY", "to": "MONDAY", "beginTime": "09:00:00", "endTime": "12:00:00"},
    ...                 {"from": "TUESDAY", "to": "TUESDAY", "beginTime": "09:00", "endTime": "16:00"}],
    ...                "calendar c", notes)
    {'hours': ['09:00-16:00'], 'days': ['mon', 'tue']}
    >>> notes[0]
    'calendar c: the days have different hours (mon 09:00-12:00; tue 09:00-16:00); every open day gets 09:00-16:00'
    """
    by_day: dict[str, list[tuple[str, str]]] = {}
    for p in periods:
        a, b = _DAYS.index(p["from"].upper()), _DAYS.index(p["to"].upper())
        begin = p["beginTime"][:5]
        end = "24:00" if p["endTime"][:5] == "23:59" else p["endTime"][:5]
        for i in range(a, b + 1):
            by_day.setdefault(_SHORT[i], []).append((begin, end))
    days = [d for d in _SHORT if d in by_day]
    merged: list[list[str]] = []
    for begin, end in sorted({iv for ivs in by_day.values() for iv in ivs}):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    patterns = {tuple(sorted(set(v))) for v in by_day.values()}
    if len(patterns) > 1 and notes is not None:
        shown = "; ".join(f"{d} {', '.join(f'{a}-{b}' for a, b in sorted(set(by_day[d])))}"
                          for d in days[:7])
        notes.append(f"{what}: the days have different hours ({shown}); every open day gets "
                     f"{', '.join(f'{a}-{b}' for a, b in merged)}")
    return {"hours": [f"{a}-{b}" for a, b in merged], "days": days}
