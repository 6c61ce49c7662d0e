"""A service charter: the standard a centre publishes for one service.

One-stop shops publish, for each service, how long it takes (in working days),
what it costs and which documents the citizen brings. A journey may carry that
promise as its ``charter:`` section, so that a log can be checked against it
(:mod:`analysis.charter`)::

    charter:
      days: 5                  # working days from the application to the service
      fee: 150000              # total official fees, in the journey's currency
      documents: [residence certificate, ID card]
      calendar: office         # whose working days count (optional)
      source: Provincial decision 12/2019, annex 3   # where it is published (optional)

Decisions (the design document is silent on them):

* ``days`` is required and must be > 0; it is counted in working days of the
  charter's ``calendar`` (one of the journey's calendars: its weekdays and
  holidays). Without ``calendar``, the calendar of the first step's pool is
  used, else the journey's only calendar, else Monday to Friday without
  holidays (:func:`charter_calendar` says which).
* ``fee`` is optional: a charter that publishes no fee leaves the fee check
  "not recorded", which is not the same as a free service (``fee: 0``).
* ``documents`` is the published list, as text; documents the journey's steps
  ask beyond it are shown by :func:`extra_documents` (a finding, not an error).

Examples
--------
>>> c = Charter(days=5, fee=150000, documents=("ID card",))
>>> charter_to_dict(c)
{'days': 5, 'fee': 150000, 'documents': ['ID card']}
>>> charter_from_dict({"days": 5, "fee": 150000, "documents": ["ID card"]}) == c
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeys.errors import JourneyError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Calendar, Journey

__all__ = [
    "CHARTER_FIELDS",
    "Charter",
    "charter_calendar",
    "charter_from_dict",
    "charter_problems",
    "charter_to_dict",
    "extra_documents",
]

#: Fields of a ``charter:`` section.
CHARTER_FIELDS: tuple[str, ...] = ("days", "fee", "documents", "calendar", "source")

_MAX_DAYS = 3650  # ten years of working days: beyond it a charter is a typo


@dataclass(frozen=True)
class Charter:
    """The published standard of a service.

    Parameters
    ----------
    days : float
        Working days from the application to the service (> 0).
    fee : float or None
        Total official fees in the journey's currency; ``None`` when the
        charter publishes none.
    documents : tuple of str
        The documents the charter asks of the citizen.
    calendar : str or None
        Id of the journey calendar whose working days and holidays count.
    source : str
        Where the charter is published.
    """

    days: float
    fee: float | None = None
    documents: tuple[str, ...] = ()
    calendar: str | None = None
    source: str = ""


def _num_out(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def charter_to_dict(c: Charter) -> dict[str, Any]:
    """The canonical plain form of a charter (fields at their default left out).

    Examples
    --------
    >>> charter_to_dict(Charter(days=2.5, calendar="office"))
    {'days': 2.5, 'calendar': 'office'}
    """
    out: dict[str, Any] = {"days": _num_out(c.days)}
    if c.fee is not None:
        out["fee"] = _num_out(c.fee)
    if c.documents:
        out["documents"] = list(c.documents)
    if c.calendar is not None:
        out["calendar"] = c.calendar
    if c.source:
        out["source"] = c.source
    return out


def charter_from_dict(data: Any, *, path: str = "charter") -> Charter:
    """Read a ``charter:`` section; every problem named by its field.

    Raises
    ------
    JourneyError
        One problem per bad field.

    Examples
    --------
    >>> charter_from_dict({"days": 0, "fee": "free"})
    Traceback (most recent call last):
    ...
    journeys.errors.JourneyError: charter.days: must be > 0 working days, got 0
    charter.fee: must be a number (0 for a free service), got 'free'
    """
    problems = list(_shape(data, path))
    if problems:
        raise JourneyError(problems)
    fee = data.get("fee")
    docs = data.get("documents") or []
    cal = data.get("calendar")
    return Charter(
        days=float(data["days"]),
        fee=None if fee is None else float(fee),
        documents=tuple(str(d) for d in docs),
        calendar=None if cal is None else str(cal),
        source=str(data.get("source") or ""),
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _shape(data: Any, path: str) -> Iterator[Problem]:
    if not isinstance(data, dict):
        yield Problem(path, "must be a mapping with days (and fee, documents, calendar, source)")
        return
    for k in data:
        if k not in CHARTER_FIELDS:
            yield Problem(
                f"{path}.{k}", f"unknown field (expected one of: {', '.join(CHARTER_FIELDS)})"
            )
    days = data.get("days")
    if days is None:
        yield Problem(f"{path}.days", "is required (the published time in working days)")
    elif not _is_number(days):
        yield Problem(f"{path}.days", f"must be a number of working days, got {days!r}")
    elif days <= 0:
        yield Problem(f"{path}.days", f"must be > 0 working days, got {days!r}")
    elif days > _MAX_DAYS:
        yield Problem(f"{path}.days", f"must be at most {_MAX_DAYS} working days, got {days!r}")
    fee = data.get("fee")
    if fee is not None and not _is_number(fee):
        yield Problem(f"{path}.fee", f"must be a number (0 for a free service), got {fee!r}")
    elif fee is not None and fee < 0:
        yield Problem(f"{path}.fee", f"must be >= 0, got {fee!r}")
    docs = data.get("documents")
    if docs is not None and not isinstance(docs, list):
        yield Problem(f"{path}.documents", "must be a list of text")
    elif docs:
        for i, d in enumerate(docs):
            if not isinstance(d, str) or not d.strip():
                yield Problem(f"{path}.documents[{i}]", f"must be text, got {d!r}")
    for key in ("calendar", "source"):
        v = data.get(key)
        if v is not None and not isinstance(v, str):
            yield Problem(f"{path}.{key}", f"must be text, got {v!r} (quote it)")


def charter_problems(journey: Journey) -> list[Problem]:
    """The rules a journey's charter breaks (used by :func:`journeys.validate.validate`).

    Examples
    --------
    >>> from journeys.model import Journey
    >>> j = Journey.from_catalog("business-licence")
    >>> [str(p) for p in charter_problems(j.replace(charter=Charter(days=5, calendar="ofice")))]
    ["charter.calendar: unknown calendar 'ofice' (known: office)"]
    """
    c = getattr(journey, "charter", None)
    if c is None:
        return []
    out: list[Problem] = []
    if not (_is_number(c.days) and 0 < c.days <= _MAX_DAYS):
        out.append(Problem("charter.days", f"must be > 0 and <= {_MAX_DAYS}, got {c.days!r}"))
    if c.fee is not None and not (_is_number(c.fee) and c.fee >= 0):
        out.append(Problem("charter.fee", f"must be a number >= 0, got {c.fee!r}"))
    known = [k.id for k in journey.calendars]
    if c.calendar is not None and c.calendar not in known:
        out.append(
            Problem(
                "charter.calendar",
                f"unknown calendar {c.calendar!r} (known: {', '.join(known) or 'none'})",
            )
        )
    return out


def charter_calendar(journey: Journey) -> tuple[Calendar | None, str]:
    """The calendar whose working days the charter counts, and a sentence saying which.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> cal, why = charter_calendar(Journey.from_catalog("business-licence"))
    >>> cal.id, why
    ('office', "working days of calendar 'office' (the first step's desk): mon, tue, wed, thu, fri")
    """
    c = getattr(journey, "charter", None)
    cals = {k.id: k for k in journey.calendars}
    chosen, why = None, ""
    if c is not None and c.calendar in cals:
        chosen, why = cals[c.calendar], "named by the charter"
    else:
        first = next((s for s in journey.steps if s.id == journey.start), None)
        pool = next((p for p in journey.pools if first and p.id == first.pool), None)
        if pool is not None and pool.calendar in cals:
            chosen, why = cals[pool.calendar], "the first step's desk"
        elif len(cals) == 1:
            chosen, why = next(iter(cals.values())), "the journey's only calendar"
    if chosen is None:
        return None, "working days Monday to Friday, no holidays (the journey has no calendar)"
    text = f"working days of calendar {chosen.id!r} ({why}): {', '.join(chosen.days)}"
    if chosen.holidays:
        text += f", {len(chosen.holidays)} holidays"
    return chosen, text


def extra_documents(journey: Journey) -> tuple[str, ...]:
    """Documents the journey's steps ask for that the charter does not list.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> j = Journey.from_catalog("business-licence")
    >>> len(extra_documents(j.replace(charter=Charter(days=5)))) > 0
    True
    """
    c = getattr(journey, "charter", None)
    if c is None:
        return ()
    listed = {d.strip().lower() for d in c.documents}
    asked = dict.fromkeys(d for s in journey.steps for d in s.documents)
    return tuple(d for d in asked if d.strip().lower() not in listed)
