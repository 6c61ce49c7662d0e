"""An as-is journey model calibrated from an event log.

:func:`calibrate` turns a canonical event log (:func:`analysis.logs.read_log`)
into a :class:`journeys.model.Journey` that the simulator can run, so that a
redesign can be compared against a model that reproduces the centre's own log.
Every rule below is an approximation; the journey's ``description`` lists the
ones that applied to the log at hand (:func:`calibration_notes` reads them back).

The clock
    Everything is read in the log's own clock (:mod:`analysis.timezones`:
    ``tz``, else the zone its offsets were written in, else UTC), and the
    simulator runs on that wall-clock time. A log whose events all fall at
    midnight records days: its steps take no time and have no desks, its
    calendar is open round the clock, and no hourly profile is read.
Steps and agencies
    One step per activity (ids slugified from the names, names kept), in order
    of their median position in the cases. A step's agency is the most frequent
    ``org:group`` among its events, ignoring ``unknown`` when a known agency
    occurs. A step is citizen-present when most of its events say so
    (``odsc:citizen_present``, or what the user declared with
    ``citizen_steps`` or ``present_rule``: :mod:`analysis.presence`), at its
    most frequent ``odsc:door`` (else an office of its agency).
Routing
    First-order: from the directly-follows counts of the log (the order work
    began, as :func:`analysis.bottlenecks.directly_follows` reads it). The
    probability of ``a -> b`` is the count of ``a -> b`` over the number of
    executions of ``a`` (every execution is followed by another event or ends
    its case), so rework loops are branches like any other. When all cases
    begin with the same activity it is the start step; otherwise a zero-duration
    ``Case start`` step branches to the first activities by their shares. An
    activity that sometimes ends a case and sometimes does not gets a branch to a
    zero-duration ``Case end`` step with the share of its executions that end a
    case; an activity that always ends its cases is an end itself. The two
    synthetic steps carry the stage :data:`BOUNDARY_STAGE` (see
    :func:`boundary_steps`) so that they can be left out when the simulated log
    is compared with the real one.
Durations and handoff delays
    Fitted by :func:`fit_distribution`: among exponential, lognormal and gamma
    (maximum likelihood with scipy, location 0), the lowest AIC among those a
    Kolmogorov-Smirnov test does not reject at ``alpha``; the empirical
    distribution (``max_points`` quantiles) when fewer than ``min_samples``
    observations, when an observation is 0 (the parametric families have none),
    or when the test rejects all three. With start timestamps a step's duration
    is fitted on its processing times and a transition's delay on the waiting
    before its target (start of the target minus completion of the source,
    never below 0). **Without start timestamps** only complete-to-complete
    transition times are known. Processing is then unknown, and the honest
    approximation used here is: a step's duration is fixed at the lower
    ``processing_quantile`` of the transition times into it, at most
    ``max_processing`` minutes (0 for a step nothing leads to), and the rest of
    each observed transition time (never below 0) is the delay of its
    transition. A simulated transition then takes delay + duration, which is the
    observed transition time whenever the desks are free and open. Delays are
    per transition (pair of steps), a refinement of per agency pair. In a log
    with start times, a step none of whose events has one is an instant
    system event: no work time, no desk. A handoff's delay is split into its
    transfer (the transition's ``delay``) and its backlog (``backlog``) by
    :mod:`analysis.handoff_split`; the simulator draws both at one probability.
Carriers
    Logs do not say how a dossier moved. A transition between steps of one
    agency has no carrier; between agencies it is ``citizen`` when the
    receiving step is citizen-present, else ``handoff_carrier`` (``digital``
    by default: the measured delay is kept whichever carrier is chosen, and
    ``courier`` would add the wait for a daily batch on top of it). Digitizing
    a calibrated handoff removes its measured transfer only.
Calendar and desks
    One calendar for all desks: the shortest run of whole hours of the day
    (in the log's clock, the one the simulator runs on) that holds
    ``coverage`` of the events' start (else completion) times, on the weekdays
    holding at least ``min_day_share`` of the events; no lunch break is
    inferred. One pool of desks per agency; its capacity is the
    ``capacity_quantile`` of the days' peak number of the agency's events in
    progress at once (with start times), else of the number of distinct
    resources of the agency's steps active on one day, or, without resources,
    of the day's work (events
    times their step's mean duration) over the open minutes. Waiting measured
    in a log includes any queueing, so where the desks are busy the simulated
    queue comes on top of a delay that already holds it: the model errs on the
    slow side there. ``queues=False`` leaves the steps without desks. Last,
    :func:`analysis.calibration_runs.runnable` checks each pool's offered load
    and raises the desks of a pool that could not finish its cases, with a
    note.
Arrivals
    Cases per open day, by weekday (weights relative to the mean) and hour of
    day (shares within the opening hours), from the first event of every case.

This module assembles the journey; the pieces live in topic modules, and
every name of this module's API stays importable from here:
:mod:`analysis.fitting` (:func:`fit_distribution`), :mod:`analysis.capacity`
(:func:`opening_hours`, desks, arrivals), :mod:`analysis.calibration_input`
(:class:`CalibrationError`, the checks of the log and options) and
:mod:`analysis.periods` (the ``periods`` option).

Examples
--------
>>> import pandas as pd
>>> rows = []
>>> for i in range(10):
...     second = "B" if i < 7 else "C"
...     for k, act in enumerate(["A", second]):
...         rows.append({"case:concept:name": f"c{i}", "concept:name": act,
...                      "time:timestamp": pd.Timestamp("2024-03-04 09:00", tz="UTC")
...                      + pd.Timedelta(minutes=60 * i + 20 * k), "org:group": "desk"})
>>> j = calibrate(pd.DataFrame(rows), name="Toy")
>>> j.start, [(t.target, t.probability) for t in j.successors("a")]
('a', [('b', 0.7), ('c', 0.3)])
>>> j.ends
('b', 'c')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analysis.bottlenecks import _begin_series, _first_last_mask, _flow_order, directly_follows
from analysis.calibration_input import (
    CalibrationError,
    _canonical,
    _check_options,
    _mode_known,
    _present_steps,
    _slug,
    _unique_slugs,
)
from analysis.calibration_notes import (
    _NOTES_HEADER,
    BOUNDARY_STAGE,
    boundary_steps,
    calibration_notes,
)
from analysis.calibration_runs import (
    _durations,
    _fitted,
    _fix_probabilities,
    _pair_parts,
    _split_note,
    runnable,
)
from analysis.capacity import _CALENDAR, _arrivals, _capacities, _inside, opening_hours
from analysis.fitting import Fit, fit_distribution
from analysis.handoff_split import observed_split
from analysis.kpis import event_times, has_start_times
from analysis.presence import mark_present, parse_rule
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    CASE,
    DOOR,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
)
from analysis.timezones import ZONE_ATTR, is_day_granularity, log_zone, wall_clock, zone_label
from journeys.model import (
    WEEKDAYS,
    Agency,
    Calendar,
    Distribution,
    Door,
    Journey,
    Pool,
    Step,
    Transition,
)

__all__ = [
    "BOUNDARY_STAGE",
    "CalibrationError",
    "Fit",
    "boundary_steps",
    "calibrate",
    "calibration_notes",
    "fit_distribution",
    "opening_hours",
]

def calibrate(
    log: pd.DataFrame,
    *,
    name: str | None = None,
    journey_id: str | None = None,
    case: str = CASE,
    activity: str = ACTIVITY,
    timestamp: str = TIMESTAMP,
    start: str = START,
    resource: str = RESOURCE,
    agency: str = AGENCY,
    door: str = DOOR,
    present: str = PRESENT,
    coverage: float = 0.95,
    min_day_share: float = 0.01,
    capacity_quantile: float = 0.9,
    processing_quantile: float = 0.1,
    max_processing: float = 30.0,
    min_samples: int = 20,
    alpha: float = 0.01,
    max_points: int = 100,
    handoff_carrier: str = "digital",
    queues: bool = True,
    periods: Sequence[str | pd.Timestamp] = (),
    tz: str | None = None,
    citizen_steps: Sequence[str] = (),
    present_rule: str | None = None,
) -> Journey:
    """Calibrate an as-is journey from an event log (rules: see the module docstring).

    Parameters
    ----------
    log : pandas.DataFrame
        An event log in the canonical schema (not modified).
    name, journey_id : str, optional
        Name and id of the journey.
    case, activity, timestamp, start, resource, agency, door, present : str
        Column names; ``start``, ``resource``, ``agency``, ``door`` and
        ``present`` are used when the log has them.
    coverage, min_day_share : float
        Share of events the opening hours hold; least share of events that
        makes a weekday a working day.
    capacity_quantile : float
        Quantile of the daily number of active resources that gives a pool's desks.
    processing_quantile, max_processing : float
        Without start times: the lower quantile of the transition times into a
        step taken as its fixed duration, and its cap in minutes.
    min_samples, alpha, max_points : int, float, int
        Options of :func:`fit_distribution`.
    handoff_carrier : {"digital", "courier", "citizen"}
        Carrier of a handoff between agencies (the log does not say).
    queues : bool
        Give steps the desks of their agency (else no queues, no opening hours).
    periods : sequence of date
        Dates (UTC) at which the way the centre works changed. Cases are grouped
        by the period in which they began; each period gets its own steps,
        routing and delays (step ids suffixed ``_p1``, ``_p2``, ...; names
        kept), joined at a ``Case start`` step that branches to them by their
        shares of the cases. Desks, hours and arrivals come from the whole log.
    tz : str, optional
        The clock of the centre (IANA zone); by default the one the reader
        found (``log.attrs["odsc:zone"]``, see :mod:`analysis.timezones`),
        else UTC. Hours, weekdays and arrivals are read in it, and the
        simulator's clock is that wall-clock time.
    citizen_steps : sequence of str
        Activities that need the citizen in person (see :mod:`analysis.presence`).
    present_rule : str, optional
        ``COLUMN=VALUE``: events with that value are citizen-present (a case
        attribute marks the first event of each such case).

    Returns
    -------
    journeys.model.Journey
        Valid for :func:`journeys.validate.validate`; its ``description`` ends
        with the calibration notes (:func:`calibration_notes`).

    Raises
    ------
    CalibrationError
        For a log without the needed columns or events, or an option out of range.

    Examples
    --------
    >>> from pathlib import Path
    >>> from analysis.logs import read_log
    >>> from journeys.validate import validate
    >>> log = read_log(Path("examples/odsc_example_log.csv"))
    >>> j = calibrate(log, name="Example")
    >>> validate(j)
    []
    """
    _check_options(
        coverage=coverage,
        min_day_share=min_day_share,
        capacity_quantile=capacity_quantile,
        processing_quantile=processing_quantile,
        max_processing=max_processing,
        min_samples=min_samples,
        alpha=alpha,
        max_points=max_points,
        handoff_carrier=handoff_carrier,
    )
    canonical = _canonical(log, case, activity, timestamp, start, resource, agency, door, present)
    zone = log_zone(log, tz)
    if present_rule is not None:
        rule_col = (parse_rule(present_rule) or (present_rule, ""))[0]
        if rule_col in log.columns:
            canonical[rule_col] = log[rule_col].to_numpy()
    canonical = mark_present(canonical, citizen_steps=citizen_steps, rule=present_rule)
    for col in (TIMESTAMP, START):
        if col in canonical.columns:
            canonical[col] = wall_clock(canonical[col], zone)
    canonical.attrs[ZONE_ATTR] = None  # now in the centre's clock
    if periods:
        options = dict(
            coverage=coverage, min_day_share=min_day_share, capacity_quantile=capacity_quantile,
            processing_quantile=processing_quantile, max_processing=max_processing,
            min_samples=min_samples, alpha=alpha, max_points=max_points,
            handoff_carrier=handoff_carrier, queues=queues,
        )  # fmt: skip
        from analysis.periods import _by_period  # it calls calibrate() for each period

        return _by_period(canonical, periods, name, journey_id, options)
    ev = event_times(canonical)
    starts_known = has_start_times(ev)
    notes: list[str] = []
    day_only = is_day_granularity(ev[TIMESTAMP])
    fit = {"min_samples": min_samples, "alpha": alpha, "max_points": max_points}

    # ---- the cases as paths (the order work began), and the steps in median position
    flow = ev.iloc[_flow_order(ev)]
    codes = pd.factorize(flow[CASE])[0]
    first, last = _first_last_mask(codes)
    rows = np.arange(len(flow))
    position = rows - np.maximum.accumulate(np.where(first, rows, 0))
    acts = flow[ACTIVITY].astype(str).to_numpy()
    ranked = pd.Series(position).groupby(acts).median().sort_values(kind="stable")
    activities = [str(a) for a in ranked.index]
    sid = dict(zip(activities, _unique_slugs(activities, taken=set())))

    # ---- agencies, presence, doors
    step_agency = _mode_known(flow, ACTIVITY, AGENCY)
    groups = sorted(set(step_agency.values()))
    agency_ids = dict(zip(groups, _unique_slugs(groups, taken=set())))
    bare = [a for a in activities if step_agency[a] == UNKNOWN_AGENCY]
    if bare:
        notes.append(
            f"{len(bare)} step(s) have no known agency in the log and are put under "
            f"'{UNKNOWN_AGENCY}': {', '.join(bare[:5])}{', ...' if len(bare) > 5 else ''}."
        )
    present_of = _present_steps(flow)
    door_of = _mode_known(flow, ACTIVITY, DOOR) if DOOR in flow.columns else {}

    # ---- directly-follows pairs
    df = directly_follows(ev)
    pair_times = {
        (str(a), str(b)): g.to_numpy(dtype=float)
        for (a, b), g in df.groupby(["source", "target"], observed=True, sort=False)["transition"]
    }
    execs = pd.Series(acts).value_counts()
    ends = pd.Series(acts[last]).value_counts()
    begins = pd.Series(acts[first]).value_counts()

    # ---- durations: fitted on processing times, or the documented approximation
    durations, fixed, instant, fits, more = _durations(
        flow, activities, pair_times, starts_known=starts_known, day_only=day_only,
        clock=zone_label(zone), processing_quantile=processing_quantile,
        max_processing=max_processing, fit=fit,
    )  # fmt: skip
    notes += more

    # ---- opening hours (in the log's clock), then the delays split into transfer and backlog
    if day_only:
        calendar = Calendar(_CALENDAR, (("00:00", "24:00"),), WEEKDAYS)
    else:
        calendar = opening_hours(flow, coverage=coverage, min_day_share=min_day_share)
    delays = np.clip(
        df["transition"].to_numpy(dtype=float)
        - df["target"].astype(str).map(fixed).fillna(0.0).to_numpy(dtype=float),
        0,
        None,
    )
    split = observed_split(ev, df, delays, step_agency, calendar)
    parts = _pair_parts(df, delays, split)
    notes.append(_split_note(split, agency_ids))

    # ---- routing and delays (per pair of steps); "" stands for the synthetic end
    transitions: list[Transition] = []
    for a in activities:
        branches: list[tuple[str, float, Distribution | None, Distribution | None]] = []
        outgoing = [(b, t) for (s, b), t in pair_times.items() if s == a]
        for b, times in sorted(outgoing, key=lambda bt: (-len(bt[1]), sid[bt[0]])):
            transfer, backlog = parts[(a, b)]
            d = _fitted(transfer, fit, fits)
            late = _fitted(backlog, fit, fits) if backlog is not None else None
            branches.append((sid[b], len(times) / float(execs[a]), d, late))
        if branches and a in ends.index:
            branches.append(("", float(ends[a]) / float(execs[a]), None, None))
        transitions += [
            Transition(sid[a], t, p, None, d, backlog=late)
            for t, p, d, late in _fix_probabilities(branches)
        ]

    # ---- synthetic start and end steps
    taken = set(sid.values())
    head: list[Step] = []
    tail: list[Step] = []
    if any(t.target == "" for t in transitions):
        end_id = _unique_slugs(["case_end"], taken=taken)[0]
        taken.add(end_id)
        transitions = [replace(t, target=end_id) if t.target == "" else t for t in transitions]
        g = agency_ids[step_agency[str(ends.index[0])]]
        tail.append(Step(end_id, g, Distribution.fixed(0), "Case end", stage=BOUNDARY_STAGE))
        notes.append(
            "Activities that sometimes end a case branch to a zero-duration 'Case end' step "
            "with the share of their executions that end a case."
        )
    if len(begins) == 1:
        start_id = sid[str(begins.index[0])]
    else:
        start_id = _unique_slugs(["case_start"], taken=taken)[0]
        g = agency_ids[step_agency[str(begins.index[0])]]
        head.append(Step(start_id, g, Distribution.fixed(0), "Case start", stage=BOUNDARY_STAGE))
        share = [(sid[str(a)], n / float(begins.sum()), None, None) for a, n in begins.items()]
        transitions = [Transition(start_id, t, p) for t, p, _, _ in _fix_probabilities(share)] + [
            *transitions
        ]
        notes.append(
            f"Cases begin with {len(begins)} different activities: a zero-duration 'Case start' "
            "step branches to them by their shares."
        )

    # ---- carriers of handoffs between agencies
    agency_of = {sid[a]: step_agency[a] for a in activities}
    present_ids = {sid[a] for a in activities if present_of.get(a, False)}
    for i, t in enumerate(transitions):
        src, dst = agency_of.get(t.source), agency_of.get(t.target)
        if src is not None and dst is not None and src != dst:
            carrier = "citizen" if t.target in present_ids else handoff_carrier
            transitions[i] = replace(t, carrier=carrier)
    if any(t.carrier == handoff_carrier for t in transitions):
        notes.append(
            "The log does not say how dossiers moved between agencies: those handoffs are "
            f"marked '{handoff_carrier}', with the measured delay."
        )

    # ---- opening hours and desks
    begin = _begin_series(flow) if START in flow.columns else flow[TIMESTAMP]
    if not day_only:
        notes.append(
            f"Opening hours {', '.join(f'{a}-{b}' for a, b in calendar.hours)} "
            f"({zone_label(zone)}) on {', '.join(calendar.days)} hold "
            f"{_inside(begin, calendar):.1%} of the events; no lunch break is inferred."
        )
    queues = queues and not day_only
    capacity, how = _capacities(
        flow, step_agency, durations, calendar, capacity_quantile, concurrency=starts_known
    )
    notes.append(how)
    pools = tuple(
        Pool(
            f"{agency_ids[g]}_desks",
            capacity[g],
            _CALENDAR,
            name=f"{g} desks",
            agency=agency_ids[g],
        )  # fmt: skip
        for g in groups
    )
    if not queues and not day_only:
        notes.append("Steps have no desks (queues=False): no queueing and no opening hours.")

    # ---- the steps themselves
    doors: dict[str, Door] = {}
    steps: list[Step] = []
    for a in activities:
        g = step_agency[a]
        door_id = None
        if present_of.get(a, False):
            door_name = door_of.get(a) or f"{g} office"
            door_id = _slug(door_name)
            doors.setdefault(door_id, Door(door_id, door_name, agency_ids[g]))
        steps.append(
            Step(
                sid[a],
                agency_ids[g],
                durations[a],
                name=a,
                door=door_id,
                pool=f"{agency_ids[g]}_desks" if queues and a not in instant else None,
                citizen_present=door_id is not None,
            )
        )

    kinds = pd.Series([f.family for f in fits]).value_counts()
    notes.append(
        f"{len(fits)} distributions fitted ({', '.join(f'{n} {k}' for k, n in kinds.items())}); "
        "routing is first-order: the next step depends on the current step only."
    )
    title = name or "As-is model calibrated from an event log"
    used = {s.pool for s in steps}
    journey = Journey(
        id=journey_id or _slug(title).replace("_", "-"),
        name=title,
        start=start_id,
        steps=(*head, *steps, *tail),
        transitions=tuple(transitions),
        agencies=tuple(Agency(agency_ids[g], g) for g in groups),
        doors=tuple(doors.values()),
        pools=tuple(p for p in pools if p.id in used),
        calendars=(calendar,),
        arrivals=_arrivals(begin, codes, first, calendar, day_only=day_only),
    )
    journey, more = runnable(journey)
    notes += more
    description = (
        f"Calibrated from an event log of {int(first.sum())} cases and {len(flow)} events.\n"
        f"{_NOTES_HEADER}\n" + "\n".join(f"- {n}" for n in notes)
    )
    return replace(journey, description=description)


