"""Rules a journey must satisfy beyond the shape of its file.

:func:`validate` checks a :class:`~journeys.model.Journey` however it was made
(loaded from a file or built in Python) and returns every problem at once. Each
problem names its path in the file format of :mod:`journeys.io`, where entities
are keyed by id: ``steps.tax_check.agency``, ``pools.desk.calendar``,
``calendars.office.hours[1]``, ``transitions[3].to``, ``start``.

The rules:

* every agency, door, pool, calendar and step named exists (a close id is
  suggested); ids are unique within a section;
* capacities > 0; fees, costs, travel and arrival figures >= 0; probabilities
  within 0..1; distributions known, with all their parameters, means > 0;
* opening hours are valid ``HH:MM`` intervals, in time order, not overlapping;
  a calendar has a working day; holidays are real dates;
* the citizen is present only at a door; at most one transition joins a pair of
  steps; batch times only for a courier;
* the branch probabilities out of an ``xor`` step sum to 1; every step is
  reachable from ``start`` and can reach an end (a step without outgoing
  transitions); an ``and``-split has 2 or more branches, no probabilities other
  than 1, and its branches first meet (their nearest common post-dominator) at a
  ``join: and`` step, which has 2 or more incoming transitions.

Examples
--------
>>> from journeys.model import Distribution, Journey, Step, Transition
>>> j = Journey(
...     "demo", "Demo", start="a",
...     steps=(Step("a", "tax", Distribution.fixed(5)), Step("b", "tax", Distribution.fixed(5))),
...     transitions=(Transition("a", "c"),),
... )
>>> for p in validate(j):
...     print(p)
steps.a.agency: unknown agency 'tax' (no agencies defined)
steps.b.agency: unknown agency 'tax' (no agencies defined)
transitions[0].to: unknown step 'c' (known: a, b)
steps.b: unreachable from the start step 'a' (no transition leads here from it)
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from journeys.errors import Problem
from journeys.model import CARRIERS, WEEKDAYS, Distribution, Journey, _clock_minutes

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from journeys.model import Calendar, Step, Transition

__all__ = ["validate"]

_TOLERANCE = 1e-6
_SHOWN = 12  # how many known ids a message lists before "..."
_SINK = ("", "end")  # virtual end node; step ids are text, so it cannot clash


def validate(journey: Journey) -> list[Problem]:
    """Every rule the journey breaks, each as a :class:`Problem` naming its field.

    Parameters
    ----------
    journey : Journey
        The journey to check; it is not changed.

    Returns
    -------
    list of Problem
        Empty when the journey is valid; otherwise in file order (sections,
        then steps and transitions), followed by the problems of the graph.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> validate(Journey.from_catalog("business-licence"))
    []
    >>> from dataclasses import replace
    >>> j = Journey.from_catalog("business-licence")
    >>> desk = replace(j.pool("tax_desk"), capacity=0, calendar="ofice")
    >>> bad = j.replace(pools=(*j.pools[:-1], desk))
    >>> for p in validate(bad):
    ...     print(p)
    pools.tax_desk.capacity: must be > 0 desks, got 0
    pools.tax_desk.calendar: unknown calendar 'ofice' (known: office); did you mean 'office'?
    """
    return _fields(journey) + list(_graph(journey))


def _fields(j: Journey) -> list[Problem]:
    """The rules on single fields and references (everything but the graph)."""
    out: list[Problem] = []
    out += _unique_ids(j)
    out += _doors_and_pools(j)
    out += _calendars(j.calendars)
    out += _arrivals(j)
    out += _steps(j)
    out += _transitions(j)
    return out


_REFERENCES = {"agency": "agencies", "door": "doors", "pool": "pools", "calendar": "calendars"}
_REFERENCES |= {"from": "steps", "to": "steps"}
_GRAPH_FIELDS = ("split", "join", "from", "to", "probability")


def _entity(path: str) -> str:
    """``steps.x`` of ``steps.x.duration.mean``, ``transitions[3]`` of ``transitions[3].to``."""
    if path.startswith("transitions["):
        return path.split("]")[0] + "]"
    return ".".join(path.split(".")[:2])


def _beside(journey: Journey, shape: list[Problem]) -> list[Problem]:
    """The rule problems worth reporting next to problems of a file's shape.

    A field the parser could not read was replaced by a default, and an entry
    it could not read was left out; rules would report the consequences as
    problems of their own. Left out here: problems of an entity that already has
    one, references into a section with an unreadable entry, and the rules of the
    graph when a step, transition or the start could not be read.
    """
    entities = {_entity(p.path) for p in shape}
    sections = {p.path.split(".")[0].split("[")[0] for p in shape if p.path == _entity(p.path)}
    graph_ok = not any(
        p.path == "start"
        or (p.path.startswith(("steps", "transitions")) and p.path == _entity(p.path))
        or p.path.rsplit(".", 1)[-1] in _GRAPH_FIELDS
        for p in shape
    )
    out = []
    for p in _fields(journey):
        field = p.path.rsplit(".", 1)[-1]
        refers = p.message.startswith("unknown ") and field in _REFERENCES
        if _entity(p.path) not in entities and not (refers and _REFERENCES[field] in sections):
            out.append(p)
    return out + (list(_graph(journey)) if graph_ok else [])


# ------------------------------------------------------------------ helpers
def _unknown(kind: str, plural: str, value: Any, known: Iterable[str]) -> str:
    names = sorted(set(known))
    if not names:
        return f"unknown {kind} {value!r} (no {plural} defined)"
    shown = ", ".join(names[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
    msg = f"unknown {kind} {value!r} (known: {shown})"
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
    return f"{msg}; did you mean {close[0]!r}?" if close else msg


def _ref(path: str, value: Any, kind: str, plural: str, known: set[str]) -> Iterator[Problem]:
    if value is None or value == "":
        yield Problem(path, "is required")
    elif value not in known:
        yield Problem(path, _unknown(kind, plural, value, known))


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _number(path: str, v: Any, *, maximum: float = math.inf) -> Iterator[Problem]:
    """A finite number from 0 to maximum."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        yield Problem(path, f"must be a finite number, got {v!r}")
    elif not 0 <= v <= maximum:
        yield Problem(path, f"must be {'>= 0' if v < 0 else f'<= {_fmt(maximum)}'}, got {_fmt(v)}")


def _distribution(path: str, d: Any) -> list[Problem]:
    """The file-format rules of a distribution, applied to a Python-built one."""
    # The rules live in journeys.parsing (one source for files and objects); a
    # Distribution is checked by parsing its own file form.
    from journeys.parsing import _Collector, _parse_distribution

    if not isinstance(d, Distribution):
        return [Problem(path, f"must be a Distribution, got {type(d).__name__}")]
    if not isinstance(d.params, dict):
        return [Problem(path, "parameters must be a mapping")]
    c = _Collector()
    _parse_distribution(c, d.to_dict(), path)
    return c.problems


def _clock(text: Any) -> int | None:
    try:
        return _clock_minutes(text) if isinstance(text, str) else None
    except ValueError:
        return None


# ------------------------------------------------------------------ sections
_SECTIONS = (
    ("agencies", "agency"),
    ("doors", "door"),
    ("calendars", "calendar"),
    ("pools", "pool"),
    ("steps", "step"),
)


def _unique_ids(j: Journey) -> Iterator[Problem]:
    # A file cannot repeat an id (the loader refuses duplicate keys); a journey
    # built in Python can.
    for section, kind in _SECTIONS:
        counts = Counter(x.id for x in getattr(j, section))
        for ident, n in counts.items():
            if n > 1:
                yield Problem(f"{section}.{ident}", f"{kind} id used {n} times; ids must be unique")


def _doors_and_pools(j: Journey) -> Iterator[Problem]:
    agencies = {a.id for a in j.agencies}
    calendars = {c.id for c in j.calendars}
    for d in j.doors:
        p = f"doors.{d.id}"
        if d.agency is not None:
            yield from _ref(f"{p}.agency", d.agency, "agency", "agencies", agencies)
        yield from _number(f"{p}.travel_minutes", d.travel_minutes)
        yield from _number(f"{p}.travel_cost", d.travel_cost)
    for pool in j.pools:
        p = f"pools.{pool.id}"
        cap = pool.capacity
        if isinstance(cap, bool) or not isinstance(cap, int):
            yield Problem(f"{p}.capacity", f"must be a whole number of desks, got {cap!r}")
        elif cap <= 0:
            yield Problem(f"{p}.capacity", f"must be > 0 desks, got {cap}")
        yield from _ref(f"{p}.calendar", pool.calendar, "calendar", "calendars", calendars)
        if pool.agency is not None:
            yield from _ref(f"{p}.agency", pool.agency, "agency", "agencies", agencies)
        yield from _number(f"{p}.cost_per_hour", pool.cost_per_hour)


def _calendars(calendars: Iterable[Calendar]) -> Iterator[Problem]:
    for cal in calendars:
        p = f"calendars.{cal.id}"
        if not cal.hours:
            yield Problem(f"{p}.hours", "lists no opening interval")
        seen: list[tuple[int, int, str]] = []
        for i, interval in enumerate(cal.hours):
            q = f"{p}.hours[{i}]"
            if not isinstance(interval, (tuple, list)) or len(interval) != 2:
                yield Problem(q, f"must be a pair of clock times, got {interval!r}")
                continue
            a, b = _clock(interval[0]), _clock(interval[1])
            text = f"{interval[0]}-{interval[1]}"
            if a is None or b is None:
                yield Problem(q, f"not a clock time HH:MM in {text!r}")
                continue
            if b <= a:
                yield Problem(q, f"{text} must end after it starts")
                continue
            for a0, b0, t0 in seen:
                if a < b0 and a0 < b:
                    yield Problem(q, f"{text} overlaps {t0}")
                    break
                if a < a0:
                    yield Problem(
                        q, f"{text} is listed after {t0}; list the intervals in time order"
                    )
                    break
            seen.append((a, b, text))
        if not cal.days:
            yield Problem(f"{p}.days", "no working days: the desks would never open")
        for i, day in enumerate(cal.days):
            if day not in WEEKDAYS:
                yield Problem(
                    f"{p}.days[{i}]", f"unknown weekday {day!r} (one of: {', '.join(WEEKDAYS)})"
                )
            elif day in cal.days[:i]:
                yield Problem(f"{p}.days[{i}]", f"{day} is listed twice")
        for i, h in enumerate(cal.holidays):
            try:
                date.fromisoformat(h)
            except (TypeError, ValueError):
                yield Problem(f"{p}.holidays[{i}]", f"not a date YYYY-MM-DD, got {h!r}")


def _arrivals(j: Journey) -> Iterator[Problem]:
    a = j.arrivals
    yield from _number("time_value_per_hour", j.time_value_per_hour)
    yield from _number("arrivals.per_day", a.per_day)
    yield from _number("arrivals.appointment_share", a.appointment_share, maximum=1.0)
    for hour, w in a.hourly.items():
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            yield Problem(f"arrivals.hourly.{hour}", "hour must be a whole number 0..23")
        yield from _number(f"arrivals.hourly.{hour}", w)
    for day, w in a.weekday.items():
        if day not in WEEKDAYS:
            yield Problem(
                f"arrivals.weekday.{day}", f"unknown weekday (one of: {', '.join(WEEKDAYS)})"
            )
        yield from _number(f"arrivals.weekday.{day}", w)


def _steps(j: Journey) -> Iterator[Problem]:
    agencies = {a.id for a in j.agencies}
    doors = {d.id for d in j.doors}
    pools = {p.id for p in j.pools}
    for s in j.steps:
        p = f"steps.{s.id}"
        yield from _ref(f"{p}.agency", s.agency, "agency", "agencies", agencies)
        if s.door is not None:
            yield from _ref(f"{p}.door", s.door, "door", "doors", doors)
        elif s.citizen_present:
            yield Problem(
                f"{p}.door",
                "the citizen is present at this step, so it needs a door (the office where it"
                " happens)",
            )
        if s.pool is not None:
            yield from _ref(f"{p}.pool", s.pool, "pool", "pools", pools)
        yield from _distribution(f"{p}.duration", s.duration)
        yield from _number(f"{p}.fee", s.fee)
        for key in ("split", "join"):
            if getattr(s, key) not in ("xor", "and"):
                yield Problem(f"{p}.{key}", f"must be 'xor' or 'and', got {getattr(s, key)!r}")


def _transitions(j: Journey) -> Iterator[Problem]:
    steps = set(j.step_ids)
    first: dict[tuple[str, str], int] = {}
    for i, t in enumerate(j.transitions):
        p = f"transitions[{i}]"
        yield from _ref(f"{p}.from", t.source, "step", "steps", steps)
        yield from _ref(f"{p}.to", t.target, "step", "steps", steps)
        pair = (t.source, t.target)
        if pair in first:
            yield Problem(
                p,
                f"repeats transitions[{first[pair]}] ({t.source} -> {t.target}); merge them into"
                " one transition",
            )
        else:
            first[pair] = i
        yield from _number(f"{p}.probability", t.probability, maximum=1.0)
        if t.carrier is not None and t.carrier not in CARRIERS:
            yield Problem(
                f"{p}.carrier", f"unknown carrier {t.carrier!r} (one of: {', '.join(CARRIERS)})"
            )
        if t.delay is not None:
            yield from _distribution(f"{p}.delay", t.delay)
        if t.backlog is not None:
            yield from _distribution(f"{p}.backlog", t.backlog)
        if t.batch_times and t.carrier != "courier":
            who = f"the carrier is {t.carrier!r}" if t.carrier else "there is no carrier"
            yield Problem(f"{p}.batch_times", f"only a courier leaves at batch times, but {who}")
        for k, bt in enumerate(t.batch_times):
            if _clock(bt) is None:
                yield Problem(f"{p}.batch_times[{k}]", f"not a clock time HH:MM, got {bt!r}")


# ------------------------------------------------------------------ the graph
_NEVER_ENDS = "the journey never ends: every step has an outgoing transition (an end has none)"
_UNREACHABLE = "unreachable from the start step {!r} (no transition leads here from it)"
_STUCK = "no end can be reached from this step; its paths only loop among: {}"
_SUM = "branch probabilities sum to {}, not 1 ({})"
_FEW_BRANCHES = "an and-split needs 2 or more outgoing transitions; this step has {}"
_SPLIT_PROB = "and-split {} takes every branch: leave the probability out or set it to 1, got {}"
_NEVER_MEET = "this and-split's branches never meet again; add a `join: and` step they all reach"
_MEET_XOR = "this and-split's branches first meet at {!r}, not an and-join; set `join: and` on it"
_FEW_JOINED = "an and-join needs 2 or more incoming transitions; this step has {}"
_NO_SPLIT = (
    "no and-split's branches meet here, so `join: and` would wait for a branch that never comes;"
    " use `join: xor` for a simple merge"
)


def _graph(j: Journey) -> Iterator[Problem]:
    import networkx as nx

    ids = list(dict.fromkeys(j.step_ids))  # unique, in file order
    if not ids:
        yield Problem("steps", "a journey needs at least one step")
        return
    known = set(ids)
    # transitions to or from unknown steps are reported above and left out here
    edges = [(i, t) for i, t in enumerate(j.transitions) if {t.source, t.target} <= known]
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    g.add_edges_from((t.source, t.target) for _, t in edges)
    outgoing: dict[str, list[tuple[int, Transition]]] = {s: [] for s in ids}
    for i, t in edges:
        outgoing[t.source].append((i, t))
    step = {s.id: s for s in reversed(j.steps)}  # the first step of a repeated id

    if j.start not in known:
        yield from _ref("start", j.start, "step", "steps", known)
    else:
        reached = nx.descendants(g, j.start) | {j.start}
        for s in ids:
            if s not in reached:
                yield Problem(f"steps.{s}", _UNREACHABLE.format(j.start))

    ends = [s for s in ids if g.out_degree(s) == 0]
    if not ends:
        yield Problem("transitions", _NEVER_ENDS)
    finishing = set(ends).union(*(nx.ancestors(g, e) for e in ends))
    stuck = [s for s in ids if s not in finishing] if ends else []
    for s in stuck:
        yield Problem(f"steps.{s}", _STUCK.format(", ".join(stuck)))

    for s in ids:
        if step[s].split != "xor" or not outgoing[s]:
            continue
        probs = [t.probability for _, t in outgoing[s]]
        total = math.fsum(p for p in probs if isinstance(p, (int, float)))
        if abs(total - 1.0) > _TOLERANCE:
            parts = ", ".join(
                f"transitions[{i}] to {t.target}: {t.probability}" for i, t in outgoing[s]
            )
            yield Problem(f"steps.{s}", _SUM.format(_fmt(total), parts))

    yield from _parallel(g, ids, ends, step, outgoing)


def _parallel(
    g: nx.DiGraph,
    ids: list[str],
    ends: list[str],
    step: dict[str, Step],
    outgoing: dict[str, list[tuple[int, Transition]]],
) -> Iterator[Problem]:
    """And-splits must meet again at an and-join: their nearest common post-dominator."""
    import networkx as nx

    splits = [s for s in ids if step[s].split == "and"]
    joins = [s for s in ids if step[s].join == "and"]
    if not splits and not joins:
        return
    # post-dominators are the dominators of the reversed graph, seen from a
    # virtual node that every end leads to
    r = g.reverse(copy=True)
    r.add_edges_from((_SINK, e) for e in ends)
    ipdom = nx.immediate_dominators(r, _SINK) if ends else {}
    met: set[str] = set()
    for s in splits:
        branches = outgoing[s]
        if len(branches) < 2:
            yield Problem(f"steps.{s}.split", _FEW_BRANCHES.format(len(branches)))
        for i, t in branches:
            if t.probability != 1:
                yield Problem(f"transitions[{i}].probability", _SPLIT_PROB.format(s, t.probability))
        if len(branches) < 2 or s not in ipdom:
            continue  # no branches to join, or stuck (reported above)
        meet = ipdom[s]
        if meet == _SINK:
            yield Problem(f"steps.{s}.split", _NEVER_MEET)
        elif step[meet].join != "and":
            yield Problem(f"steps.{s}.split", _MEET_XOR.format(meet))
        else:
            met.add(meet)
    for s in joins:
        n = g.in_degree(s)
        if n < 2:
            yield Problem(f"steps.{s}.join", _FEW_JOINED.format(n))
        elif s not in met:
            yield Problem(f"steps.{s}.join", _NO_SPLIT)
