"""Opening-hours arithmetic on the simulation clock.

The simulation clock counts **minutes from midnight of the start date**. Clock
times in calendars (``"08:00"``) are read on that same clock, which is written to
the event log as UTC: a simulated log of a Lao centre shows its office hours as
08:00-16:00 "UTC", i.e. local wall-clock time without a zone offset.

:class:`OpeningHours` lays a :class:`journeys.model.Calendar` out over the days
of a run: the open intervals (lunch breaks are the gaps between them, closed
weekdays and holidays have none), merged where one ends as the next begins (so a
desk open ``00:00-24:00`` every day is one interval, never closed). It answers
the questions the engine asks: is the desk open at ``t``, when does it open
next, when does a working day end (a *closing*: an open interval after which the
next opening is on a later day; a lunch break is not a closing), how many
minutes is it open between two times, and when is the next clock time on a
working day (a courier's batch).

:func:`always_open` gives the round-the-clock calendar used by queueing tests.

Examples
--------
>>> from journeys.model import Calendar
>>> office = Calendar("office", (("08:00", "12:00"), ("13:00", "16:00")))
>>> h = OpeningHours.build(office, start_date="2026-01-05", days=7)  # a Monday
>>> h.is_open(9 * 60), h.is_open(12.5 * 60)
(True, False)
>>> h.next_open(12.5 * 60) / 60
13.0
>>> h.closings[:2]
(960.0, 2400.0)
>>> h.open_minutes(0, 7 * 1440)  # five working days of seven hours
2100.0
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from journeys.errors import InputError
from journeys.model import WEEKDAYS, Calendar

__all__ = ["DAY", "OpeningHours", "always_open", "as_date", "open_days", "working_day"]

#: Minutes in a day.
DAY: int = 1440


def always_open(calendar_id: str = "always") -> Calendar:
    """A calendar open around the clock, every day of the week, without holidays.

    Examples
    --------
    >>> c = always_open()
    >>> c.hours, len(c.days)
    ((('00:00', '24:00'),), 7)
    """
    return Calendar(calendar_id, (("00:00", "24:00"),), WEEKDAYS, ())


def as_date(value: Any) -> dt.date:
    """A date from ``"YYYY-MM-DD"``, a ``date``, a ``datetime`` or a pandas Timestamp.

    Examples
    --------
    >>> as_date("2026-01-05")
    datetime.date(2026, 1, 5)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"start_date: not a date (YYYY-MM-DD): {value!r}") from None


def _holidays(calendar: Calendar) -> frozenset[dt.date]:
    out = set()
    for i, text in enumerate(calendar.holidays):
        try:
            out.add(dt.date.fromisoformat(str(text)))
        except ValueError:
            raise InputError(
                f"calendars.{calendar.id}.holidays[{i}]: not a date (YYYY-MM-DD): {text!r}"
            ) from None
    return frozenset(out)


def working_day(
    calendar: Calendar, day: dt.date, holidays: frozenset[dt.date] = frozenset()
) -> bool:
    """Whether ``day`` is a working weekday of the calendar and not one of ``holidays``.

    Examples
    --------
    >>> import datetime as dt
    >>> working_day(Calendar("office"), dt.date(2026, 1, 10))  # a Saturday
    False
    """
    return WEEKDAYS[day.weekday()] in calendar.days and day not in holidays


def open_days(calendar: Calendar, start_date: Any, count: int) -> tuple[int, ...]:
    """Indexes (0 = the start date) of the first ``count`` days the calendar opens.

    A day opens when it is a working weekday, not a holiday, and the calendar
    has opening hours.

    Raises
    ------
    InputError
        When the calendar does not open ``count`` times within ten years.

    Examples
    --------
    >>> open_days(Calendar("office"), "2026-01-08", 4)  # Thursday, Friday, Monday, Tuesday
    (0, 1, 4, 5)
    """
    start = as_date(start_date)
    hol = _holidays(calendar)
    found: list[int] = []
    if calendar.intervals_minutes() and any(b > a for a, b in calendar.intervals_minutes()):
        limit = 3653 + 7 * count
        d = 0
        while len(found) < count and d < limit:
            if working_day(calendar, start + dt.timedelta(days=d), hol):
                found.append(d)
            d += 1
    if len(found) < count:
        raise InputError(
            f"calendars.{calendar.id}: opens on {len(found)} of the {count} days asked for "
            "(check its hours, days and holidays)"
        )
    return tuple(found)


@dataclass(frozen=True)
class OpeningHours:
    """A calendar laid out over the first ``days`` days of the simulation clock.

    Attributes
    ----------
    calendar_id : str
    days : int
        Days covered; after them the desk never opens again.
    starts, ends : tuple of float
        Merged open intervals ``[start, end)`` in minutes, sorted.
    closings : tuple of float
        Ends of working days: interval ends after which the next opening falls
        on a later day (or never comes).
    working : tuple of int
        Indexes of the working days (weekday and holidays only, hours aside).
    """

    calendar_id: str
    days: int
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    closings: tuple[float, ...]
    working: tuple[int, ...]

    @classmethod
    def build(cls, calendar: Calendar, *, start_date: Any, days: int) -> OpeningHours:
        """Lay ``calendar`` out over ``days`` days from ``start_date``.

        Examples
        --------
        >>> h = OpeningHours.build(always_open(), start_date="2026-01-05", days=3)
        >>> h.starts, h.ends, h.closings, h.always
        ((0.0,), (4320.0,), (), True)
        """
        start = as_date(start_date)
        hol = _holidays(calendar)
        day_hours = sorted((a, b) for a, b in calendar.intervals_minutes() if b > a)
        working: list[int] = []
        raw: list[tuple[float, float]] = []
        for d in range(days):
            if working_day(calendar, start + dt.timedelta(days=d), hol):
                working.append(d)
                raw.extend((float(d * DAY + a), float(d * DAY + b)) for a, b in day_hours)
        starts: list[float] = []
        ends: list[float] = []
        for a, b in raw:
            if ends and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        closings = []
        for i, e in enumerate(ends):
            nxt = starts[i + 1] if i + 1 < len(starts) else math.inf
            if e < days * DAY and (nxt == math.inf or nxt // DAY > (e - 1e-9) // DAY):
                closings.append(e)
        return cls(calendar.id, days, tuple(starts), tuple(ends), tuple(closings), tuple(working))

    @property
    def always(self) -> bool:
        """Open without a break over all the days covered."""
        return len(self.starts) == 1 and self.starts[0] <= 0 and self.ends[0] >= self.days * DAY

    @property
    def openings(self) -> tuple[float, ...]:
        """Times at which the desk opens after being closed (interval starts after 0)."""
        return tuple(s for s in self.starts if s > 0)

    def is_open(self, t: float) -> bool:
        """Whether ``t`` lies in an open interval (start included, end excluded).

        Examples
        --------
        >>> h = OpeningHours.build(Calendar("office"), start_date="2026-01-05", days=1)
        >>> h.is_open(480), h.is_open(720), h.is_open(959.5), h.is_open(960)
        (True, False, True, False)
        """
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def next_open(self, t: float) -> float:
        """``t`` when open, else the next opening time (``inf`` when there is none).

        Examples
        --------
        >>> h = OpeningHours.build(Calendar("office"), start_date="2026-01-09", days=4)  # Fri
        >>> h.next_open(600), h.next_open(16 * 60) == 3 * 1440 + 480  # Friday 16:00 -> Monday 08:00
        (600, True)
        >>> h.next_open(4 * 1440)
        inf
        """
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        return self.starts[i + 1] if i + 1 < len(self.starts) else math.inf

    def open_minutes(self, a: float, b: float) -> float:
        """Minutes open within ``[a, b)``.

        Examples
        --------
        >>> h = OpeningHours.build(Calendar("office"), start_date="2026-01-05", days=1)
        >>> h.open_minutes(600, 800)
        140.0
        """
        lo = bisect_right(self.ends, a)
        hi = bisect_left(self.starts, b)
        total = 0.0
        for s, e in zip(self.starts[lo:hi], self.ends[lo:hi]):
            total += max(0.0, min(e, b) - max(s, a))
        return total

    def clock_times(self, minutes: Sequence[float]) -> tuple[float, ...]:
        """Every instant at one of the clock times ``minutes`` on a working day, sorted.

        Used for couriers: a batch leaves at each of its clock times on every
        working day of the sending office.

        Examples
        --------
        >>> h = OpeningHours.build(Calendar("office"), start_date="2026-01-09", days=4)  # Fri
        >>> [t / 60 for t in h.clock_times([900])]  # Friday and Monday 15:00
        [15.0, 87.0]
        """
        return tuple(sorted(float(d * DAY + m) for d in self.working for m in minutes))
