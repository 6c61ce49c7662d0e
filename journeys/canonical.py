"""The canonical plain form of a journey: what a journey file holds.

:func:`journey_to_dict` turns a :class:`journeys.model.Journey` into plain
mappings, lists, text and numbers, in the layout of the file format (see
:mod:`journeys.io`): entities keyed by id, fields in a fixed order, fields at
their default left out, whole numbers written without a decimal point. It is
the inverse of :func:`journeys.parsing.parse`: ``parse(journey_to_dict(j)) == j``
for every valid journey.

Examples
--------
>>> from journeys.model import Journey
>>> from journeys.parsing import parse
>>> j = Journey.from_catalog("land-title")
>>> parse(journey_to_dict(j)) == j
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from journeys.charter import charter_to_dict
from journeys.model import Journey

__all__ = ["journey_to_dict"]


def _drop_defaults(d: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in defaults or defaults[k] != v}


def _num_out(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def journey_to_dict(j: Journey) -> dict[str, Any]:
    """The canonical plain mapping of a journey (what :func:`journeys.io.save` writes).

    Examples
    --------
    >>> from journeys.model import Journey
    >>> d = journey_to_dict(Journey.from_catalog("business-licence"))
    >>> list(d)[:5]
    ['id', 'name', 'description', 'currency', 'time_value_per_hour']
    >>> d["transitions"][0]  # probability 1 and no batch times: left out
    {'from': 'village_cert', 'to': 'submit', 'carrier': 'citizen',
     'delay': {'dist': 'uniform', 'low': 1440.0, 'high': 4320.0}}
    """
    nums: Callable[[float], int | float] = _num_out
    out: dict[str, Any] = {"id": j.id, "name": j.name}
    if j.description:
        out["description"] = j.description
    out["currency"] = j.currency
    if j.time_value_per_hour:
        out["time_value_per_hour"] = nums(j.time_value_per_hour)
    out["start"] = j.start
    out["agencies"] = {a.id: _drop_defaults({"name": a.name}, {"name": ""}) for a in j.agencies}
    out["doors"] = {
        d.id: _drop_defaults(
            {
                "name": d.name,
                "agency": d.agency,
                "travel_minutes": nums(d.travel_minutes),
                "travel_cost": nums(d.travel_cost),
            },
            {"name": "", "agency": None, "travel_minutes": 0, "travel_cost": 0},
        )
        for d in j.doors
    }
    out["calendars"] = {
        c.id: _drop_defaults(
            {
                "hours": [f"{a}-{b}" for a, b in c.hours],
                "days": list(c.days),
                "holidays": list(c.holidays),
            },
            {"holidays": []},
        )
        for c in j.calendars
    }
    out["pools"] = {
        p.id: _drop_defaults(
            {
                "name": p.name,
                "agency": p.agency,
                "capacity": p.capacity,
                "calendar": p.calendar,
                "cost_per_hour": nums(p.cost_per_hour),
            },
            {"name": "", "agency": None},
        )
        for p in j.pools
    }
    arr: dict[str, Any] = {"per_day": nums(j.arrivals.per_day)}
    if j.arrivals.hourly:
        arr["hourly"] = {int(k): nums(v) for k, v in j.arrivals.hourly.items()}
    if j.arrivals.weekday:
        arr["weekday"] = {k: nums(v) for k, v in j.arrivals.weekday.items()}
    if j.arrivals.appointment_share:
        arr["appointment_share"] = nums(j.arrivals.appointment_share)
    out["arrivals"] = arr
    out["steps"] = {
        s.id: _drop_defaults(
            {
                "name": s.name,
                "stage": s.stage,
                "agency": s.agency,
                "door": s.door,
                "pool": s.pool,
                "duration": s.duration.to_dict(),
                "fee": nums(s.fee),
                "documents": list(s.documents),
                "citizen_present": s.citizen_present,
                "split": s.split,
                "join": s.join,
            },
            {
                "name": "",
                "stage": "",
                "door": None,
                "pool": None,
                "fee": 0,
                "documents": [],
                "citizen_present": False,
                "split": "xor",
                "join": "xor",
            },  # fmt: skip
        )
        for s in j.steps
    }
    out["transitions"] = [
        _drop_defaults(
            {
                "from": t.source,
                "to": t.target,
                "probability": nums(t.probability),
                "carrier": t.carrier,
                "delay": t.delay.to_dict() if t.delay else None,
                "batch_times": list(t.batch_times),
                "backlog": t.backlog.to_dict() if t.backlog else None,
            },
            {"probability": 1, "carrier": None, "delay": None, "batch_times": [], "backlog": None},
        )
        for t in j.transitions
    ]
    if j.charter is not None:
        out["charter"] = charter_to_dict(j.charter)
    return out

