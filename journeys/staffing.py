"""Redesign operators that change capacity: desks, opening hours, appointments.

Part of the redesign operators of :mod:`journeys.redesign` (and importable
from there): each takes a valid journey, never changes it, and returns a
:class:`~journeys.redesign.Redesign` with the sentences of what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from journeys.model import Calendar, Journey
from journeys.redesign import Redesign, RedesignError, _finish

__all__ = ["add_staff", "appointments", "extend_hours"]


def add_staff(journey: Journey, pool_id: str, n: int) -> Redesign:
    """Add ``n`` desks to a pool (extra resources); a negative ``n`` removes desks.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> r = add_staff(load_catalog("business-licence"), "tax_desk", 2)
    >>> r.journey.pool("tax_desk").capacity, r.changes
    (3, ('Pool tax_desk: 1 -> 3 desks (+2).',))
    """
    op = "add_staff"
    j = journey
    if pool_id not in {p.id for p in j.pools}:
        known = ", ".join(p.id for p in j.pools)
        raise RedesignError(j.id, op, f"no pool {pool_id!r} (known: {known})")
    if isinstance(n, bool) or not isinstance(n, int):
        raise RedesignError(j.id, op, f"the number of desks must be a whole number, got {n!r}")
    pool = j.pool(pool_id)
    if pool.capacity + n < 1:
        raise RedesignError(
            j.id, op, f"pool {pool_id!r} has {pool.capacity} desks; cannot remove {-n}"
        )
    if n == 0:
        return Redesign(j, ())
    pools = tuple(replace(p, capacity=p.capacity + n) if p.id == pool_id else p for p in j.pools)
    change = f"Pool {pool_id}: {pool.capacity} -> {pool.capacity + n} desks ({n:+d})."
    return _finish(j, replace(j, pools=pools), op, [change])


def _hours_text(c: Calendar) -> str:
    hours = ", ".join(f"{a}-{b}" for a, b in c.hours)
    return f"{hours} ({c.minutes_open_per_day / 60:g} h a day), {'/'.join(c.days)}"


def extend_hours(
    journey: Journey,
    calendar_id: str,
    *,
    hours: Sequence[str | tuple[str, str]] | None = None,
    days: Sequence[str] | None = None,
) -> Redesign:
    """New opening hours (``"07:30-12:00"`` or ``("07:30", "12:00")``) or working days.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> j = load_catalog("business-licence")
    >>> r = extend_hours(j, "office", hours=["07:30-12:00", "13:00-17:00"])
    >>> r.journey.calendar("office").minutes_open_per_day
    510.0
    >>> print(r.changes[0])
    Calendar office: 08:00-12:00, 13:00-16:00 (7 h a day), ... 13:00-17:00 (8.5 h a day), ...
    """
    op = "extend_hours"
    j = journey
    if calendar_id not in {c.id for c in j.calendars}:
        known = ", ".join(c.id for c in j.calendars)
        raise RedesignError(j.id, op, f"no calendar {calendar_id!r} (known: {known})")
    if hours is None and days is None:
        raise RedesignError(j.id, op, "give new opening hours or working days")
    old = j.calendar(calendar_id)
    new = old
    if hours is not None:
        pairs = []
        for h in hours:
            pair = tuple(x.strip() for x in h.split("-")) if isinstance(h, str) else tuple(h)
            if len(pair) != 2:
                raise RedesignError(
                    j.id, op, f"opening hours must look like 08:00-12:00, got {h!r}"
                )
            pairs.append(pair)
        new = replace(new, hours=tuple(pairs))
    if days is not None:
        new = replace(new, days=tuple(d.strip().lower() for d in days))
    out = replace(j, calendars=tuple(new if c.id == calendar_id else c for c in j.calendars))
    users = ", ".join(p.id for p in j.pools if p.calendar == calendar_id) or "no pool"
    change = (
        f"Calendar {calendar_id}: {_hours_text(old)} -> {_hours_text(new)}; kept by pools {users}."
    )
    return _finish(j, out, op, [change])


def appointments(journey: Journey, share: float) -> Redesign:
    """A share of citizens book an appointment and are served first (a priority class).

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> r = appointments(load_catalog("business-licence"), 0.3)
    >>> r.journey.arrivals.appointment_share, r.changes[0]
    (0.3, 'Appointments: 30% of citizens book a time and are served first (was 0%).')
    """
    op = "appointments"
    j = journey
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise RedesignError(j.id, op, f"the share must be a number from 0 to 1, got {share!r}")
    old = j.arrivals.appointment_share
    out = replace(j, arrivals=replace(j.arrivals, appointment_share=float(share)))
    change = (
        f"Appointments: {share:.0%} of citizens book a time and are served first (was {old:.0%})."
    )
    return _finish(j, out, op, [change])
