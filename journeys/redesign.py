"""Redesign operators: pure functions from one journey to a redesigned one.

Each operator takes a valid :class:`~journeys.model.Journey`, never changes it,
and returns a :class:`Redesign`: the new journey and the list of what changed,
in sentences a planner reads. An operator that finds nothing to change returns
the same journey and no changes. The result always validates
(:func:`journeys.validate.validate`); an operator that cannot apply, or whose
result would break a rule, raises :class:`RedesignError` (an
:class:`~journeys.errors.InputError`) and names the operator and the reason.

The operators express the one-stop-shop patterns and the classic redesign
heuristics (task elimination, parallelism, integration, extra resources):

* :func:`one_door`: one front desk, back-office routing of the dossier;
* :func:`digitize_handoffs`: handoffs between agencies become data exchange;
* :func:`~journeys.restructure.eliminate`, :func:`~journeys.restructure.parallelize`,
  :func:`~journeys.restructure.merge` (in :mod:`journeys.restructure`): change the flow;
* :func:`add_staff`, :func:`extend_hours`, :func:`appointments`: change capacity.

Operators chain with :meth:`Redesign.then`; :func:`journeys.diff.diff` lists
every field that differs between two journeys.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> r = one_door(load_catalog("business-licence")).then(add_staff, "odsc_desk", 1)
>>> r.journey.id, len(r.journey.doors), r.journey.pool("odsc_desk").capacity
('business-licence-one-door', 1, 6)
>>> r.journey.metrics().visits
2.0
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from journeys.errors import InputError
from journeys.model import Calendar, Distribution, Door, Journey, Pool, Step, Transition

__all__ = [
    "COURIER_DELAY",
    "DIGITAL_DELAY",
    "Redesign",
    "RedesignError",
    "add_staff",
    "appointments",
    "digitize_handoffs",
    "extend_hours",
    "one_door",
]

#: Transport time of a courier handoff, after its batch leaves (overnight: 10 to 20 hours).
COURIER_DELAY = Distribution("uniform", {"low": 600.0, "high": 1200.0})
#: Latency of a data exchange: a clerk picks the message up within the hour.
DIGITAL_DELAY = Distribution("uniform", {"low": 5.0, "high": 60.0})
_AS_IS = re.compile(r"\s*\(as[- ]is\b[^)]*\)\s*$", re.IGNORECASE)  # "(as-is, four offices)"
_BATCH = ("15:00",)  # the daily courier leaves in the afternoon


class RedesignError(InputError):
    """An operator that cannot apply to this journey; one line naming why.

    Examples
    --------
    >>> str(RedesignError("licence", "eliminate", "no step 'x'"))
    "licence: eliminate: no step 'x'"
    """

    def __init__(self, journey: str, operator: str, reason: str) -> None:
        self.journey, self.operator, self.reason = journey, operator, reason
        super().__init__(f"{journey}: {operator}: {reason}")


@dataclass(frozen=True)
class Redesign:
    """What an operator returns: the redesigned journey and what changed.

    Attributes
    ----------
    journey : Journey
        The new journey (the input is never changed).
    changes : tuple of str
        One sentence per change, for a planner; empty when nothing changed.
    """

    journey: Journey
    changes: tuple[str, ...] = ()

    def then(self, operator: Callable[..., Redesign], *args: Any, **kwargs: Any) -> Redesign:
        """Apply another operator to the journey; the changes add up.

        Examples
        --------
        >>> from journeys.catalog import load_catalog
        >>> r = add_staff(load_catalog("family-book"), "police_desk", 1).then(appointments, 0.3)
        >>> len(r.changes)
        2
        """
        nxt = operator(self.journey, *args, **kwargs)
        return Redesign(nxt.journey, self.changes + nxt.changes)


# ------------------------------------------------------------------ helpers
def _label(j: Journey, step_id: str) -> str:
    s = j.step(step_id)
    return f"'{s.name}' ({s.id})" if s.name and s.name != s.id else f"'{s.id}'"


def _names(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _step_of(j: Journey, step_id: str, op: str) -> Step:
    if step_id not in j.step_ids:
        known = ", ".join(j.step_ids)
        raise RedesignError(j.id, op, f"no step {step_id!r} (known: {known})")
    return j.step(step_id)


def _finish(before: Journey, after: Journey, op: str, changes: list[str]) -> Redesign:
    """Validate the result; the input's own problems are not the operator's."""
    from journeys.validate import validate

    problems = validate(after)
    if problems:
        raise RedesignError(before.id, op, f"the result would be invalid: {problems[0]}")
    return Redesign(after, tuple(changes)) if after != before else Redesign(before, ())


def _carrier_text(t: Transition) -> str:
    if t.carrier == "courier" and t.batch_times:
        return f"the courier (leaves at {', '.join(t.batch_times)})"
    return {"citizen": "the citizen", "courier": "the courier", "digital": "data exchange"}.get(
        t.carrier or "", "hand to hand in the same office"
    )


def _routed(t: Transition, carrier: str, delay: Distribution | None) -> Transition:
    """``t`` carried by a courier (daily batch) or by data exchange."""
    if carrier == "courier":
        return replace(t, carrier=carrier, delay=delay or COURIER_DELAY, batch_times=_BATCH)
    return replace(t, carrier=carrier, delay=delay or DIGITAL_DELAY, batch_times=())


# ------------------------------------------------------------------ one door
def one_door(
    journey: Journey,
    *,
    door_name: str = "ODSC front desk",
    door_id: str = "odsc",
    pool_capacity: int | None = None,
    carrier: str = "courier",
    delay: Distribution | None = None,
    keep_present: Iterable[str] = (),
    travel_minutes: float | None = None,
    travel_cost: float | None = None,
) -> Redesign:
    """Give the citizen one front desk; move the other handoffs to the back office.

    Rules, in order:

    * The citizen's first visit (the start and the citizen-facing steps it leads
      to in the same office without a handoff), the final visit (each
      citizen-facing end and the citizen-facing steps leading to it that way)
      and the steps in ``keep_present`` move to one new door, ``door_id``, and
      are served by one new pool, ``<door_id>_desk``. Their agencies stay.
    * Every other citizen-facing step existed so the citizen could hand papers
      over at another office: it becomes back-office work (``citizen_present``
      false, no door) of its own agency, at its own pool.
    * Handoffs carried by the citizen, and handoffs between the front desk and a
      back office that had no carrier (not the moves into or out of a marker
      step, one that takes no time and has no desk or citizen, such as a
      calibrated model's ``Case end``), become back-office routing: ``carrier``
      ``"courier"`` (a daily batch at 15:00, then :data:`COURIER_DELAY`) or
      ``"digital"`` (:data:`DIGITAL_DELAY`); ``delay`` overrides the delay.
    * The front-desk pool has the summed capacity of the pools that served
      citizen-facing steps (unless ``pool_capacity``), their capacity-weighted
      cost per hour, and the calendar of the start step's pool. Doors and pools
      no step uses any more are removed (a back-office step may keep its door).
    * The new door's travel time and cost default to the largest of the old
      doors' (a cautious default: no visit is assumed cheaper than before).
    * The journey's id gets a ``-one-door`` suffix, its name ``(one-door)`` in
      place of a closing ``(as-is ...)``.

    Parameters
    ----------
    journey : Journey
        A valid journey; it is not changed.
    door_name, door_id : str
        Name and id of the new front desk's door (its pool is ``<door_id>_desk``).
    pool_capacity : int, optional
        Desks at the front desk; by default the sum described above.
    carrier : {"courier", "digital"}
        How the dossier moves between the front desk and the back offices.
    delay : Distribution, optional
        The delay of those moves; by default :data:`COURIER_DELAY` or :data:`DIGITAL_DELAY`.
    keep_present : iterable of str
        Other citizen-facing steps that truly need the citizen (a photo,
        fingerprints): they move to the front desk too and stay visits.
    travel_minutes, travel_cost : float, optional
        One-way travel time and the cost of a visit to the new door.

    Returns
    -------
    Redesign

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> as_is = load_catalog("business-licence")
    >>> r = one_door(as_is)
    >>> [d.name for d in r.journey.doors], r.journey.pool("odsc_desk").capacity
    (['ODSC front desk'], 5)
    >>> as_is.metrics().visits, r.journey.metrics().visits
    (5.25, 2.0)
    >>> print(r.changes[0])
    One door: the citizen now deals only with 'ODSC front desk' (door odsc) instead of 4 ...
    """
    op = "one_door"
    j = journey
    if carrier not in ("courier", "digital"):
        raise RedesignError(j.id, op, f"carrier must be 'courier' or 'digital', got {carrier!r}")
    pool_id = f"{door_id}_desk"
    if door_id in {d.id for d in j.doors}:
        raise RedesignError(j.id, op, f"door id {door_id!r} is already used; choose another")
    if pool_id in {p.id for p in j.pools}:
        raise RedesignError(
            j.id, op, f"pool id {pool_id!r} is already used; choose another door id"
        )
    present = [s for s in j.steps if s.citizen_present]
    if not present:
        raise RedesignError(
            j.id, op, "no step needs the citizen: there is nothing to bring to one door"
        )
    kept = list(keep_present)
    for s in kept:
        if not _step_of(j, s, op).citizen_present:
            raise RedesignError(j.id, op, f"step {s!r} does not need the citizen; cannot keep it")
    if pool_capacity is not None and (isinstance(pool_capacity, bool) or pool_capacity < 1):
        raise RedesignError(j.id, op, f"pool_capacity must be 1 or more, got {pool_capacity!r}")

    front = _front_steps(j) | set(kept)
    changes: list[str] = []
    old_doors = [d for d in j.doors if any(s.door == d.id for s in present)]
    changes.append(
        f"One door: the citizen now deals only with '{door_name}' (door {door_id}) instead of"
        f" {len(old_doors)} office{'s' * (len(old_doors) != 1)}:"
        f" {_names([d.name or d.id for d in old_doors])}."
    )
    # the new pool and door
    stage_pools = [j.pool(p) for p in dict.fromkeys(s.pool for s in present if s.pool)]
    capacity = pool_capacity or sum(p.capacity for p in stage_pools) or 1
    desks = sum(p.capacity for p in stage_pools)
    cost = sum(p.cost_per_hour * p.capacity for p in stage_pools) / desks if desks else 0.0
    start_pool = j.step(j.start).pool
    calendars = j.calendars
    if start_pool:
        calendar = j.pool(start_pool).calendar
    elif stage_pools or calendars:
        calendar = stage_pools[0].calendar if stage_pools else calendars[0].id
    else:
        calendars, calendar = (Calendar("office"),), "office"
    desk = Pool(pool_id, capacity, calendar, cost, name=f"{door_name} clerks")
    door = Door(
        door_id,
        door_name,
        travel_minutes=max((d.travel_minutes for d in old_doors), default=0.0)
        if travel_minutes is None
        else float(travel_minutes),
        travel_cost=max((d.travel_cost for d in old_doors), default=0.0)
        if travel_cost is None
        else float(travel_cost),
    )
    shown = ", ".join(f"{p.id} {p.capacity}" for p in stage_pools) or "none"
    how = "as asked" if pool_capacity else f"as many as the desks that served citizens: {shown}"
    changes.append(f"Front desk pool {pool_id}: {capacity} desks ({how}).")

    steps = []
    for s in j.steps:
        if s.id in front:
            where = j.door(s.door).name or s.door if s.door else "no office"
            changes.append(f"Step {_label(j, s.id)} moves from {where} to the front desk.")
            steps.append(replace(s, door=door_id, pool=pool_id, citizen_present=True))
        elif s.citizen_present:
            agency = next((a.name or a.id for a in j.agencies if a.id == s.agency), s.agency)
            changes.append(
                f"Step {_label(j, s.id)} becomes back-office work of {agency}: the citizen no"
                f" longer goes to {j.door(s.door).name or s.door}."
            )
            steps.append(replace(s, door=None, citizen_present=False))
        else:
            steps.append(s)
    transitions = []
    for t in j.transitions:
        crosses = (t.source in front) != (t.target in front)
        if _marker(j.step(t.source)) or _marker(j.step(t.target)):
            transitions.append(t)  # a case opening or closing is not a handoff
        elif t.carrier == "citizen" or (t.carrier is None and crosses):
            new = _routed(t, carrier, delay)
            changes.append(
                f"Handoff {_label(j, t.source)} -> {_label(j, t.target)}: was"
                f" {_carrier_text(t)}, now {_carrier_text(new)}."
            )
            transitions.append(new)
        else:
            transitions.append(t)
    used_pools, used_doors = {s.pool for s in steps}, {s.door for s in steps}
    for d in j.doors:
        if d.id in used_doors:
            changes.append(f"Door {d.id} stays for back-office steps; citizens no longer go there.")
    for p in j.pools:
        if p.id not in used_pools:
            changes.append(f"Pool {p.id} serves no step any more and is removed.")
    out = replace(
        j,
        id=f"{j.id}-one-door",
        name=f"{_AS_IS.sub('', j.name)} (one-door)",
        steps=tuple(steps),
        transitions=tuple(transitions),
        doors=(*(d for d in j.doors if d.id in used_doors), door),
        pools=(*(p for p in j.pools if p.id in used_pools), desk),
        calendars=calendars,
    )
    changes.append(f"Journey renamed {j.id} -> {out.id}.")
    return _finish(j, out, op, changes)


def _marker(s: Step) -> bool:
    """A step that takes no time, has no desk and no citizen: where a case opens or closes."""
    return s.pool is None and not s.citizen_present and s.duration == Distribution.fixed(0)


def _front_steps(j: Journey) -> set[str]:
    """The first visit (from the start) and the final visits (into citizen-facing ends).

    A visit goes on while the citizen moves to another citizen-facing step at
    the same door without a handoff (the rule of :mod:`journeys.metrics`).
    """
    present = {s.id for s in j.steps if s.citizen_present}
    door = {s.id: s.door for s in j.steps}
    stay = [
        (t.source, t.target)
        for t in j.transitions
        if t.carrier is None
        and {t.source, t.target} <= present
        and door[t.source] == door[t.target]
    ]

    def visit(seed: str, forward: bool) -> set[str]:
        seen, todo = {seed}, [seed]
        while todo:
            s = todo.pop()
            for a, b in stay:
                here, there = (a, b) if forward else (b, a)
                if here == s and there not in seen:
                    seen.add(there)
                    todo.append(there)
        return seen

    # a case-opening or -closing marker step is looked through to the steps beside it
    firsts = [j.start]
    if _marker(j.step(j.start)):
        firsts = [t.target for t in j.successors(j.start)]
    lasts: list[str] = []
    for end in j.ends:
        lasts += [t.source for t in j.predecessors(end)] if _marker(j.step(end)) else [end]
    front: set[str] = set()
    for s in dict.fromkeys(firsts):
        if s in present:
            front |= visit(s, True)
    for s in dict.fromkeys(lasts):
        if s in present:
            front |= visit(s, False)
    return front


# ------------------------------------------------------------------ handoffs
def _agency_ids(j: Journey, names: Iterable[str], op: str) -> list[str]:
    """Agency ids from ids or names, compared without case (``Tax`` finds ``tax``)."""
    out = []
    for name in names:
        key = name.strip().casefold()
        found = [a.id for a in j.agencies if key in (a.id.casefold(), a.name.casefold())]
        if not found:
            known = ", ".join(a.id for a in j.agencies)
            raise RedesignError(j.id, op, f"no agency {name.strip()!r} (known: {known})")
        out.append(found[0])
    return out


def digitize_handoffs(
    journey: Journey,
    *,
    agencies: Iterable[str] | None = None,
    pairs: Iterable[tuple[str, str]] | None = None,
    delay: Distribution | None = None,
) -> Redesign:
    """Handoffs between agencies become data exchange (the once-only principle).

    A handoff is a transition carried by the citizen or a courier between steps
    of two different agencies. It becomes ``digital``, with the delay
    :data:`DIGITAL_DELAY` unless ``delay`` is given. A citizen-facing step
    still needs the citizen; only the papers stop travelling.

    Parameters
    ----------
    journey : Journey
    agencies : iterable of str, optional
        Digitize the handoffs between any two of these agencies (ids or names,
        any case: ``["Tax", "Commerce"]``).
    pairs : iterable of (str, str), optional
        Digitize the handoffs between the agencies of each pair, either way.
    delay : Distribution, optional

    With neither ``agencies`` nor ``pairs``, every handoff between agencies.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> r = digitize_handoffs(load_catalog("business-licence"), agencies=["Tax", "Commerce"])
    >>> print(r.changes[0])
    Handoff 'Tax registration (TIN)' (tax_registration) -> ...: was the citizen, now data exchange (5 to 60 min, the assumed latency DIGITAL_DELAY).
    >>> len(digitize_handoffs(load_catalog("business-licence")).changes)
    5
    """
    op = "digitize_handoffs"
    j = journey
    if agencies is not None and pairs is not None:
        raise RedesignError(j.id, op, "give agencies or pairs, not both")
    chosen: set[frozenset[str]] | None = None
    if agencies is not None:
        ids = _agency_ids(j, agencies, op)
        if len(set(ids)) < 2:
            raise RedesignError(j.id, op, "name two or more agencies to digitize between")
        chosen = {frozenset((a, b)) for a in ids for b in ids if a != b}
    elif pairs is not None:
        chosen = set()
        for pair in pairs:
            a, b = _agency_ids(j, pair, op)
            chosen.add(frozenset((a, b)))
    agency = {s.id: s.agency for s in j.steps}
    changes, transitions = [], []
    for t in j.transitions:
        pair = frozenset((agency[t.source], agency[t.target]))
        measured = t.backlog is not None and t.delay is not None
        if (
            (t.carrier in ("citizen", "courier") or measured)
            and len(pair) == 2
            and (chosen is None or pair in chosen)
        ):
            where = f"Handoff {_label(j, t.source)} -> {_label(j, t.target)}"
            if t.backlog is not None:
                # a calibrated handoff: only its measured transfer goes; its backlog stays
                t2 = replace(t, carrier="digital", delay=delay, batch_times=())
                gone = f"{t.delay.mean:,.0f} min" if t.delay is not None else "none measured"
                now = f"{delay.mean:,.0f} min as given" if delay is not None else "immediate"
                changes.append(
                    f"{where}: was {_carrier_text(t)}, now data exchange ({now}); its measured"
                    f" transfer (mean {gone}) is removed, its measured backlog at"
                    f" {_agency_name(j, agency[t.target])} (mean {t.backlog.mean:,.0f} min) stays."
                )
            else:
                t2 = _routed(t, "digital", delay)
                how = "as given" if delay is not None else "the assumed latency DIGITAL_DELAY"
                changes.append(
                    f"{where}: was {_carrier_text(t)}, now {_carrier_text(t2)}"
                    f" ({_span_text(t2.delay)}, {how})."
                )
            t = t2
        transitions.append(t)
    return _finish(j, replace(j, transitions=tuple(transitions)), op, changes)


def _agency_name(j: Journey, agency_id: str) -> str:
    return next((a.name or a.id for a in j.agencies if a.id == agency_id), agency_id)


def _span_text(d: Distribution | None) -> str:
    if d is None:
        return "no delay"
    if d.dist == "uniform":
        return f"{float(d.params['low']):g} to {float(d.params['high']):g} min"
    return f"mean {d.mean:,.0f} min"


# The capacity operators live in journeys.staffing; they are part of this module's API.
from journeys.staffing import add_staff, appointments, extend_hours  # noqa: E402
