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
* the journey is within the limits of :mod:`journeys.limits` (each with its
  reason): at most 200 steps, 1,000 transitions, 200 entries in each of the
  agencies, doors, pools and calendars, 200 distinct documents; at most 10,000
  desks in a pool and 100,000 arrivals a day. Above the step or transition
  limit the graph rules are not run (the size is the one problem to fix);
* opening hours are valid ``HH:MM`` intervals, in time order, not overlapping;
  a calendar has a working day; holidays are real dates;
* the citizen is present only at a door; at most one transition joins a pair of
  steps; batch times only for a courier;
* the rules of :mod:`journeys.graph_rules`: the branch probabilities out of an
  ``xor`` step sum to 1; every step is reachable from ``start`` and can reach
  an end (a step without outgoing transitions) through transitions of positive
  probability, so every rework loop can be left; an ``and``-split has 2 or more
  branches, no probabilities other than 1, and its branches first meet (their
  nearest common post-dominator) at a ``join: and`` step, which has 2 or more
  incoming transitions; a parallel block is entered by its split only and left
  by its join only.

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

from journeys import limits
from journeys.charter import charter_problems
from journeys.errors import Problem
from journeys.model import CARRIERS, WEEKDAYS, Distribution, Journey, _clock_minutes

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Calendar

__all__ = ["validate"]

_SHOWN = 12  # how many known ids a message lists before "..."


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
    return _fields(journey) + _graph(journey)


def _fields(j: Journey) -> list[Problem]:
    """The rules on single fields and references (everything but the graph)."""
    out: list[Problem] = []
    out += _unique_ids(j)
    out += _sizes(j)
    out += _doors_and_pools(j)
    out += _calendars(j.calendars)
    out += _arrivals(j)
    out += _steps(j)
    out += _transitions(j)
    out += charter_problems(j)
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
    return out + (_graph(journey) if graph_ok else [])


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


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


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
        elif cap > limits.MAX_CAPACITY:
            yield Problem(
                f"{p}.capacity",
                f"must be <= {limits.MAX_CAPACITY:,} desks (MAX_CAPACITY: the simulator keeps"
                f" one record per desk), got {cap:,}",
            )
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
    if _finite(a.per_day) and a.per_day > limits.MAX_ARRIVALS_PER_DAY:
        yield Problem(
            "arrivals.per_day",
            f"must be <= {limits.MAX_ARRIVALS_PER_DAY:,} cases a day (MAX_ARRIVALS_PER_DAY: the"
            f" simulator runs one process per case), got {_fmt(a.per_day)}",
        )
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


# ------------------------------------------------------------------ sizes
_TOO_MANY = "a journey may have at most {limit:,} {what} ({name}: {why}), got {n:,}"
_WHY_SIZE = {
    "steps": "the exact metrics grow with the cube of the number of steps",
    "transitions": "routing and the blueprint grow with steps times transitions",
    "documents": "the metrics solve one linear system per distinct document",
}


def _sizes(j: Journey) -> Iterator[Problem]:
    """The sizes of :mod:`journeys.limits`: steps, transitions, sections, documents."""
    n_docs = len({d for s in j.steps for d in s.documents})
    sized = (
        ("steps", "steps", len(j.steps), limits.MAX_STEPS, "MAX_STEPS"),
        ("transitions", "transitions", len(j.transitions), limits.MAX_TRANSITIONS,
         "MAX_TRANSITIONS"),
        ("steps", "documents", n_docs, limits.MAX_DOCUMENTS, "MAX_DOCUMENTS"),
    )  # fmt: skip
    for path, what, n, limit, name in sized:
        if n > limit:
            yield Problem(path, _TOO_MANY.format(limit=limit, what=what, name=name,
                                                 why=_WHY_SIZE[what], n=n))  # fmt: skip
    for section, _ in _SECTIONS[:-1]:
        n = len(getattr(j, section))
        if n > limits.MAX_SECTION:
            yield Problem(section, _TOO_MANY.format(
                limit=limits.MAX_SECTION, what=section, name="MAX_SECTION",
                why="at most one per step is ever used", n=n))  # fmt: skip


def _too_big(j: Journey) -> bool:
    return len(j.steps) > limits.MAX_STEPS or len(j.transitions) > limits.MAX_TRANSITIONS


# ------------------------------------------------------------------ the graph
def _graph(j: Journey) -> list[Problem]:
    """The rules of :mod:`journeys.graph_rules`; left out for a journey over the size limits."""
    from journeys.graph_rules import graph_problems

    return [] if _too_big(j) else list(graph_problems(j))
