"""What a journey and the options of a run must satisfy before the engine starts.

:func:`check_journey` first applies the model's own rules
(:func:`journeys.validate.validate`), then the ones the engine cannot run
without: every id it follows exists, desks have a capacity, durations are of a
known kind, branch probabilities out of an ``xor`` step add up to 1, courier
batch times are clock times. Each problem names its field, the way
:class:`journeys.errors.JourneyError` prints it.

Examples
--------
>>> from journeys import load_catalog
>>> check_journey(load_catalog("business-licence"))  # passes silently
>>> bad = load_catalog("business-licence").replace(start="nowhere")
>>> check_journey(bad)
Traceback (most recent call last):
...
journeys.errors.JourneyError: business-licence: start: ... 'nowhere'...
"""

from __future__ import annotations

from journeys.errors import JourneyError, Problem
from journeys.model import CARRIERS, DISTRIBUTIONS, Journey

__all__ = ["check_journey", "journey_problems"]


def journey_problems(journey: Journey) -> list[Problem]:
    """Every reason the engine cannot run ``journey`` (empty when it can).

    Examples
    --------
    >>> from journeys import load_catalog
    >>> j = load_catalog("business-licence")
    >>> journey_problems(j)
    []
    """
    from journeys.validate import validate

    problems = list(validate(journey))
    if problems:
        return problems
    steps = {s.id: s for s in journey.steps}
    pools = {p.id: p for p in journey.pools}
    calendars = {c.id for c in journey.calendars}
    doors = {d.id for d in journey.doors}
    if journey.start not in steps:
        problems.append(Problem("start", f"no step {journey.start!r}"))
    for p in journey.pools:
        if p.calendar not in calendars:
            problems.append(Problem(f"pools.{p.id}.calendar", f"no calendar {p.calendar!r}"))
        if isinstance(p.capacity, bool) or int(p.capacity) != p.capacity or p.capacity < 1:
            problems.append(
                Problem(f"pools.{p.id}.capacity", f"must be a whole number >= 1, got {p.capacity}")
            )
    for s in journey.steps:
        if s.pool is not None and s.pool not in pools:
            problems.append(Problem(f"steps.{s.id}.pool", f"no pool {s.pool!r}"))
        if s.door is not None and s.door not in doors:
            problems.append(Problem(f"steps.{s.id}.door", f"no door {s.door!r}"))
        if s.duration.dist not in DISTRIBUTIONS:
            problems.append(
                Problem(f"steps.{s.id}.duration.dist", f"unknown distribution {s.duration.dist!r}")
            )
    for i, t in enumerate(journey.transitions):
        for end, sid in (("from", t.source), ("to", t.target)):
            if sid not in steps:
                problems.append(Problem(f"transitions[{i}].{end}", f"no step {sid!r}"))
        if t.carrier is not None and t.carrier not in CARRIERS:
            problems.append(
                Problem(
                    f"transitions[{i}].carrier",
                    f"unknown carrier {t.carrier!r} (one of: {', '.join(CARRIERS)})",
                )
            )
        for k, text in enumerate(t.batch_times):
            if not _is_clock(text):
                problems.append(
                    Problem(f"transitions[{i}].batch_times[{k}]", f"not a clock time: {text!r}")
                )
        if t.probability < 0:
            problems.append(
                Problem(f"transitions[{i}].probability", f"must be >= 0, got {t.probability}")
            )
    for s in journey.steps:
        out = [t for t in journey.transitions if t.source == s.id]
        if s.split == "xor" and len(out) > 1:
            total = sum(t.probability for t in out)
            if abs(total - 1.0) > 1e-6:
                problems.append(
                    Problem(f"steps.{s.id}", f"branch probabilities sum to {total:g}, not 1")
                )
    return problems


def check_journey(journey: Journey) -> None:
    """Raise :class:`journeys.errors.JourneyError` unless the engine can run ``journey``."""
    problems = journey_problems(journey)
    if problems:
        raise JourneyError(problems, source=journey.id)


def _is_clock(text: str) -> bool:
    hh, _, mm = str(text).partition(":")
    return (
        hh.isdigit() and mm.isdigit() and len(mm) == 2 and 0 <= int(hh) < 24 and 0 <= int(mm) < 60
    )
