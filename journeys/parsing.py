"""Journey data to a :class:`journeys.model.Journey`, every problem named by its field.

:func:`parse` takes what a journey file holds once read (plain mappings,
lists, text and numbers; see :mod:`journeys.io` for the format) and builds the
journey. It reports *all* problems at once as a
:class:`journeys.errors.JourneyError`: first the shape of the data (types,
missing and unknown fields, distribution names and parameters), then the rules
of :func:`journeys.validate.validate` (when the shape is not sound, only the
rules a misread field cannot mislead).

The checks of a distribution live here only: :mod:`journeys.validate` applies
them to a Python-built :class:`journeys.model.Distribution` through its file form.

Examples
--------
>>> data = {"id": "x", "name": "X", "start": "a", "transitions": [],
...         "steps": {"a": {"agency": "desk", "duration": {"dist": "fixd", "value": 5}}}}
>>> parse(data, source="x.yaml")
Traceback (most recent call last):
...
journeys.errors.JourneyError: x.yaml: steps.a.duration.dist: unknown distribution 'fixd' ...
"""

from __future__ import annotations

import math
import re
from typing import Any

from journeys.charter import charter_from_dict
from journeys.errors import JourneyError, Problem
from journeys.model import (
    CARRIERS,
    DISTRIBUTIONS,
    WEEKDAYS,
    Agency,
    Arrivals,
    Calendar,
    Distribution,
    Door,
    Journey,
    Pool,
    Step,
    Transition,
    _clock_minutes,
)
from journeys.safe_yaml import _join

__all__ = ["parse"]


class _Collector:
    """Collects problems while turning plain data into model objects."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(self, value: Any, path: str, *, required: bool = True) -> dict | None:
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, got {_show(value)}")
            return None
        return value

    def fields(self, data: dict, path: str, allowed: tuple[str, ...], required: tuple[str, ...]):
        for k in data:
            if k not in allowed:
                self.add(
                    _join(path, str(k)),
                    f"unknown field (expected one of: {', '.join(sorted(allowed))})",
                )
        for k in required:
            if k not in data or data[k] is None:
                self.add(_join(path, k), "is required")

    def text(self, data: dict, key: str, path: str, default: str | None = "") -> str | None:
        v = data.get(key, default)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            # a decimal number is refused too: 1e5 or 1.50 would not read back as written
            hint = " (quote it)" if isinstance(v, (bool, float)) else ""
            self.add(_join(path, key), f"must be text, got {_show(v)}{hint}")
            return default
        return str(v)

    def number(
        self,
        data: dict,
        key: str,
        path: str,
        default: float,
        *,
        minimum: float | None = 0.0,
        strict: bool = False,
    ) -> float:
        v = data.get(key, default)
        p = _join(path, key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.add(p, f"must be a number, got {_show(v)}")
            return default
        if not math.isfinite(v):
            self.add(p, f"must be a finite number, got {v}")
            return default
        if minimum is not None and (v <= minimum if strict else v < minimum):
            self.add(p, f"must be {'>' if strict else '>='} {_num(minimum)}, got {_num(v)}")
        return float(v)

    def boolean(self, data: dict, key: str, path: str, default: bool) -> bool:
        v = data.get(key, default)
        if not isinstance(v, bool):
            self.add(_join(path, key), f"must be true or false, got {_show(v)}")
            return default
        return v

    def text_list(self, data: dict, key: str, path: str) -> tuple[str, ...]:
        v = data.get(key, [])
        if v is None:
            return ()
        if not isinstance(v, list):
            self.add(_join(path, key), f"must be a list of text, got {_show(v)}")
            return ()
        bad = [i for i, x in enumerate(v) if isinstance(x, bool) or not isinstance(x, (str, int))]
        for i in bad:
            self.add(f"{_join(path, key)}[{i}]", f"must be text, got {_show(v[i])} (quote it)")
        return () if bad else tuple(str(x) for x in v)

    def clock(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"must be a clock time HH:MM, got {_show(value)}")
            return None
        try:
            _clock_minutes(value.strip())
        except ValueError:
            self.add(path, f"not a clock time HH:MM, got {value!r}")
            return None
        return value.strip()

def _show(v: Any) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return repr(v)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


_TOP = (
    "id", "name", "description", "currency", "time_value_per_hour", "start", "agencies",
    "doors", "calendars", "pools", "arrivals", "steps", "transitions", "charter",
)  # fmt: skip


def _parse_distribution(c: _Collector, value: Any, path: str) -> Distribution | None:
    d = c.mapping(value, path)
    if d is None:
        return None
    name = d.get("dist")
    if name is None:
        c.add(_join(path, "dist"), f"is required (one of: {', '.join(DISTRIBUTIONS)})")
        return None
    if not isinstance(name, str) or name not in DISTRIBUTIONS:
        c.add(
            _join(path, "dist"),
            f"unknown distribution {name!r} (one of: {', '.join(DISTRIBUTIONS)})",
        )
        return None
    needed = DISTRIBUTIONS[name]
    params: dict[str, Any] = {}
    ok = True
    for k in d:
        if k != "dist" and k not in needed:
            c.add(
                _join(path, str(k)), f"is not a parameter of {name} (expects: {', '.join(needed)})"
            )
            ok = False
    for k in needed:
        p = _join(path, k)
        if k not in d or d[k] is None:
            c.add(p, f"missing parameter of {name} (expects: {', '.join(needed)})")
            ok = False
            continue
        if k == "samples":
            s = d[k]
            if (
                not isinstance(s, list)
                or not s
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in s)
            ):
                c.add(p, "must be a non-empty list of numbers")
                ok = False
            elif any(x < 0 for x in s):
                c.add(p, f"durations must be >= 0, got {_num(min(s))}")
                ok = False
            else:
                params[k] = tuple(float(x) for x in s)
            continue
        # means (and a gamma's sd) must be positive; every other parameter >= 0
        strict = k == "mean" or (name == "gamma" and k == "sd")
        before = len(c.problems)
        params[k] = c.number(d, k, path, 0.0, minimum=0.0, strict=strict)
        ok = ok and len(c.problems) == before
    if not ok:
        return None
    if name == "triangular" and not params["low"] <= params["mode"] <= params["high"]:
        c.add(path, "triangular needs low <= mode <= high")
        return None
    if name == "uniform" and not params["low"] <= params["high"]:
        c.add(path, "uniform needs low <= high")
        return None
    return Distribution(name, params)


def _entities(c: _Collector, data: dict, key: str) -> list[tuple[str, str, dict]]:
    """``(id, path, mapping)`` for each entry of an id-keyed section."""
    section = data.get(key, {})
    if section is None:
        return []
    if not isinstance(section, dict):
        c.add(key, f"must be a mapping of id to {key[:-1]}, got {_show(section)}")
        return []
    out = []
    for ident, body in section.items():
        path = f"{key}.{ident}"
        if isinstance(ident, bool) or not isinstance(ident, (str, int)):
            c.add(path, "an id must be text")
            continue
        body = {} if body is None else body
        if not isinstance(body, dict):
            c.add(path, f"must be a mapping, got {_show(body)}")
            continue
        out.append((str(ident), path, body))
    return out


def _parse_hours(c: _Collector, value: Any, path: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not value:
        c.add(path, f'must be a list of opening intervals like "08:00-12:00", got {_show(value)}')
        return ()
    out = []
    for i, item in enumerate(value):
        p = f"{path}[{i}]"
        if not isinstance(item, str) or item.count("-") != 1:
            c.add(p, f'must be an interval "HH:MM-HH:MM", got {_show(item)}')
            continue
        a, b = (s.strip() for s in item.split("-"))
        ca, cb = c.clock(a, p), c.clock(b, p)
        if ca is not None and cb is not None:
            out.append((ca, cb))
    return tuple(out)


def parse(data: Any, *, source: str | None = None) -> Journey:
    """Build a :class:`Journey` from plain data, reporting every problem.

    Parameters
    ----------
    data : mapping
        What a journey file holds, as read by a YAML or JSON loader.
    source : str, optional
        The file name used in error messages.

    Raises
    ------
    JourneyError
        With one :class:`Problem` per offending field.

    Examples
    --------
    >>> j = parse({"id": "x", "name": "X", "start": "a", "agencies": {"desk": {}},
    ...            "steps": {"a": {"agency": "desk", "duration": {"dist": "fixed", "value": 5}}},
    ...            "transitions": []})
    >>> j.start, j.steps[0].duration
    ('a', Distribution(dist='fixed', params={'value': 5.0}))
    """
    from journeys.validate import _beside, validate

    c = _Collector()
    if data is None:
        raise JourneyError(
            [
                Problem(
                    "", "the file is empty (a journey needs id, name, start, steps, transitions)"
                )
            ],
            source,
        )
    if not isinstance(data, dict):
        raise JourneyError(
            [Problem("", f"a journey file must be a mapping, got {_show(data)}")], source
        )
    c.fields(data, "", _TOP, ("id", "name", "start", "steps", "transitions"))

    agencies = []
    for ident, path, body in _entities(c, data, "agencies"):
        c.fields(body, path, ("name",), ())
        agencies.append(Agency(ident, c.text(body, "name", path) or ""))

    doors = []
    for ident, path, body in _entities(c, data, "doors"):
        c.fields(body, path, ("name", "agency", "travel_minutes", "travel_cost"), ())
        doors.append(
            Door(
                ident,
                c.text(body, "name", path) or "",
                c.text(body, "agency", path, None),
                c.number(body, "travel_minutes", path, 0.0),
                c.number(body, "travel_cost", path, 0.0),
            )
        )

    calendars = []
    for ident, path, body in _entities(c, data, "calendars"):
        c.fields(body, path, ("hours", "days", "holidays"), ("hours",))
        hours = _parse_hours(c, body["hours"], f"{path}.hours") if "hours" in body else ()
        days = c.text_list(body, "days", path) if "days" in body else Calendar("").days
        for i, d in enumerate(days):
            if d not in WEEKDAYS:
                c.add(f"{path}.days[{i}]", f"unknown weekday {d!r} (one of: {', '.join(WEEKDAYS)})")
        holidays = c.text_list(body, "holidays", path)
        for i, h in enumerate(holidays):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", h):
                c.add(f"{path}.holidays[{i}]", f"must be a date YYYY-MM-DD, got {h!r}")
        calendars.append(Calendar(ident, hours, days, holidays))

    pools = []
    for ident, path, body in _entities(c, data, "pools"):
        c.fields(body, path, ("name", "capacity", "calendar", "cost_per_hour", "agency"), ())
        cap = body.get("capacity", 1)
        if isinstance(cap, bool) or not isinstance(cap, int):
            c.add(f"{path}.capacity", f"must be a whole number of desks, got {_show(cap)}")
            cap = 1
        elif cap <= 0:
            c.add(f"{path}.capacity", f"must be > 0, got {cap}")
        pools.append(
            Pool(
                ident,
                cap,
                c.text(body, "calendar", path, "office") or "office",
                c.number(body, "cost_per_hour", path, 0.0),
                c.text(body, "name", path) or "",
                c.text(body, "agency", path, None),
            )
        )

    arrivals = Arrivals()
    a = c.mapping(data.get("arrivals", {}), "arrivals")
    if a is not None:
        c.fields(a, "arrivals", ("per_day", "hourly", "weekday", "appointment_share"), ())
        per_day = c.number(a, "per_day", "arrivals", 10.0, minimum=0.0)
        share = c.number(a, "appointment_share", "arrivals", 0.0)
        if share > 1:
            c.add("arrivals.appointment_share", f"must be <= 1, got {_num(share)}")
        hourly: dict[int, float] = {}
        h = c.mapping(a.get("hourly", {}), "arrivals.hourly")
        for k in h or {}:
            if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 23:
                c.add(f"arrivals.hourly.{k}", "hour must be a whole number 0..23")
                continue
            hourly[k] = c.number(h, k, "arrivals.hourly", 0.0)  # type: ignore[arg-type]
        weekday: dict[str, float] = {}
        w = c.mapping(a.get("weekday", {}), "arrivals.weekday")
        for k in w or {}:
            if k not in WEEKDAYS:
                c.add(f"arrivals.weekday.{k}", f"unknown weekday (one of: {', '.join(WEEKDAYS)})")
                continue
            weekday[k] = c.number(w, k, "arrivals.weekday", 1.0)  # type: ignore[arg-type]
        arrivals = Arrivals(per_day, hourly, weekday, share)

    steps = []
    step_fields = (
        "name", "agency", "door", "pool", "duration", "fee", "documents", "citizen_present",
        "split", "join", "stage",
    )  # fmt: skip
    for ident, path, body in _entities(c, data, "steps"):
        c.fields(body, path, step_fields, ("agency", "duration"))
        dist = (
            _parse_distribution(c, body["duration"], f"{path}.duration")
            if body.get("duration") is not None
            else None
        )
        split = body.get("split", "xor")
        join = body.get("join", "xor")
        for key, val in (("split", split), ("join", join)):
            if val not in ("xor", "and"):
                c.add(f"{path}.{key}", f"must be 'xor' or 'and', got {_show(val)}")
        steps.append(
            Step(
                ident,
                c.text(body, "agency", path) or "",
                dist or Distribution.fixed(0.0),
                name=c.text(body, "name", path) or "",
                door=c.text(body, "door", path, None),
                pool=c.text(body, "pool", path, None),
                fee=c.number(body, "fee", path, 0.0),
                documents=c.text_list(body, "documents", path),
                citizen_present=c.boolean(body, "citizen_present", path, False),
                split=split if split in ("xor", "and") else "xor",
                join=join if join in ("xor", "and") else "xor",
                stage=c.text(body, "stage", path) or "",
            )
        )

    transitions = []
    tr = data.get("transitions", [])
    if tr is not None and not isinstance(tr, list):
        c.add("transitions", f"must be a list, got {_show(tr)}")
        tr = []
    for i, body in enumerate(tr or []):
        path = f"transitions[{i}]"
        if not isinstance(body, dict):
            c.add(path, f"must be a mapping with from and to, got {_show(body)}")
            continue
        c.fields(
            body,
            path,
            ("from", "to", "probability", "carrier", "delay", "batch_times", "backlog"),
            ("from", "to"),
        )
        prob = c.number(body, "probability", path, 1.0)
        if prob > 1:
            c.add(f"{path}.probability", f"must be <= 1, got {_num(prob)}")
        carrier = body.get("carrier")
        if carrier is not None and carrier not in CARRIERS:
            c.add(f"{path}.carrier", f"unknown carrier {carrier!r} (one of: {', '.join(CARRIERS)})")
            carrier = None
        delay = (
            _parse_distribution(c, body["delay"], f"{path}.delay")
            if body.get("delay") is not None
            else None
        )
        backlog = (
            _parse_distribution(c, body["backlog"], f"{path}.backlog")
            if body.get("backlog") is not None
            else None
        )
        batches = []
        bt = body.get("batch_times", [])
        if not isinstance(bt, list):
            c.add(f"{path}.batch_times", f"must be a list of clock times, got {_show(bt)}")
            bt = []
        for k, t in enumerate(bt):
            ok = c.clock(t, f"{path}.batch_times[{k}]")
            if ok is not None:
                batches.append(ok)
        transitions.append(
            Transition(
                c.text(body, "from", path) or "",
                c.text(body, "to", path) or "",
                prob,
                carrier,
                delay,
                tuple(batches),
                backlog,
            )
        )

    charter = None
    if data.get("charter") is not None:
        try:
            charter = charter_from_dict(data["charter"])
        except JourneyError as e:
            c.problems.extend(e.problems)
    journey = Journey(
        id=c.text(data, "id", "") or "",
        name=c.text(data, "name", "") or "",
        start=c.text(data, "start", "") or "",
        steps=tuple(steps),
        transitions=tuple(transitions),
        agencies=tuple(agencies),
        doors=tuple(doors),
        pools=tuple(pools),
        calendars=tuple(calendars),
        arrivals=arrivals,
        description=c.text(data, "description", "") or "",
        currency=c.text(data, "currency", "", "LAK") or "LAK",
        time_value_per_hour=c.number(data, "time_value_per_hour", "", 0.0),
        charter=charter,
    )
    if c.problems:
        raise JourneyError(c.problems + _beside(journey, c.problems), source)
    problems = validate(journey)
    if problems:
        raise JourneyError(problems, source)
    return journey
