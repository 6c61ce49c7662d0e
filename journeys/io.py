"""Journey files: YAML in, YAML out, with every problem named by its field.

The file format mirrors :class:`journeys.model.Journey`; entities are mappings
keyed by id so that every field has a findable path::

    id: business-licence
    name: Enterprise licence registration (as-is)
    currency: LAK
    start: submit
    agencies:
      commerce: {name: District Office of Industry and Commerce}
    doors:
      doic: {name: DOIC front office, agency: commerce, travel_minutes: 30, travel_cost: 20000}
    calendars:
      office: {hours: ["08:00-12:00", "13:00-16:00"], days: [mon, tue, wed, thu, fri]}
    pools:
      doic_desk: {capacity: 2, calendar: office, cost_per_hour: 30000}
    arrivals: {per_day: 20, hourly: {8: 3, 9: 4}, weekday: {mon: 1.2}}
    steps:
      submit:
        name: Submit application
        agency: commerce
        door: doic
        pool: doic_desk
        duration: {dist: lognormal, mean: 20, sd: 8}
        fee: 50000
        citizen_present: true
    transitions:
      - {from: submit, to: tax_check, carrier: citizen, delay: {dist: fixed, value: 45}}

Decisions:

* Files are read with a *safe* loader (no Python object tags). It also reads
  ``13:00``, ``2026-12-02`` and ``yes`` as text, not as the base-60 integer, the
  date and the boolean YAML 1.1 would make of them, and refuses duplicate keys
  (a duplicate id), naming each one's path.
* Loading reports *all* problems at once as a :class:`JourneyError`: first the
  shape of the file (types, missing fields, distribution names and
  parameters), then the rules of :func:`journeys.validate.validate` (when the
  shape is not sound, only the rules a misread field cannot mislead).
* ``save`` writes the canonical form; ``load(save(j)) == j`` for every journey.

Examples
--------
>>> from journeys.model import Journey
>>> j = Journey.from_catalog("business-licence")
>>> loads(dumps(j)) == j
True
>>> loads("id: x\\nname: y\\nstart: a\\nsteps: {}\\ntransitions: []\\nfoo: 1")
Traceback (most recent call last):
...
journeys.errors.JourneyError: foo: unknown field (expected one of: agencies, arrivals, ...
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

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

__all__ = ["dumps", "journey_to_dict", "load", "loads", "parse", "save"]


# ----------------------------------------------------------------- YAML layer
# libyaml's parser when present (several times faster); the constructors and
# resolvers stay PyYAML's safe ones either way
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2-like scalars and duplicate-key detection."""


_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_KEEP = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")
# YAML 1.2 booleans only: `yes`, `no`, `on` and `off` stay text
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_SafeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rules if tag in _KEEP]
    for ch, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


class _BadKey(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # Duplicate keys are found on the node tree first (see _duplicate_keys), so
    # that a later key may override one brought in by a merge key (`<<`).
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _BadKey(key_node.start_mark.line + 1) from None
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _duplicate_keys(node: yaml.Node | None, path: str = "", seen: set | None = None) -> list:
    """Every key repeated within one mapping, named by its path in the file."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:  # an alias met again
        return []
    seen.add(id(node))
    out: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            sub = path if key is None else _join(path, key)
            line = k.start_mark.line + 1
            if key is not None and key != "<<" and key in first:
                out.append(Problem(sub, f"duplicate key {key!r} (lines {first[key]} and {line})"))
            elif key is not None:
                first[key] = line
            out += _duplicate_keys(v, sub, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out += _duplicate_keys(v, f"{path}[{i}]", seen)
    return out


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Dumper(yaml.SafeDumper):
    pass


# Characters YAML reads as line breaks (or folds); text holding them is written
# double-quoted, where they are escaped.
_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(ch in value for ch in _BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)
# Quote any text that either YAML 1.1 or the loader above would read as something
# else (`1e5` is text to YAML 1.1 but a number to the loader).
_Dumper.yaml_implicit_resolvers = {
    ch: list(yaml.SafeDumper.yaml_implicit_resolvers.get(ch, []))
    + list(_SafeLoader.yaml_implicit_resolvers.get(ch, []))
    for ch in set(yaml.SafeDumper.yaml_implicit_resolvers)
    | set(_SafeLoader.yaml_implicit_resolvers)
}


# ----------------------------------------------------------------- parsing
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


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


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
    "doors", "calendars", "pools", "arrivals", "steps", "transitions",
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
            ("from", "to", "probability", "carrier", "delay", "batch_times"),
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
            )
        )

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
    )
    if c.problems:
        raise JourneyError(c.problems + _beside(journey, c.problems), source)
    problems = validate(journey)
    if problems:
        raise JourneyError(problems, source)
    return journey


def loads(text: str, *, source: str | None = None) -> Journey:
    """Parse and validate journey YAML text.

    Raises
    ------
    JourneyError
        For YAML syntax errors, unsafe tags, duplicate keys and every
        problem :func:`parse` finds.
    """
    try:
        # _SafeLoader has the safe constructors only: no Python object tags
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            dups = _duplicate_keys(node)
            data = None if dups or node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except _BadKey as e:
        raise JourneyError([Problem(f"line {e.line}", "a key must be text")], source) from None
    except yaml.constructor.ConstructorError as e:
        where = f"line {e.problem_mark.line + 1}" if e.problem_mark else ""
        problem = e.problem or ""
        if "could not determine a constructor" in problem:
            tag = problem.split("tag ")[-1]
            msg = f"unsafe or unknown YAML tag {tag} refused"
        else:
            msg = f"a value cannot be read: {problem}"
        raise JourneyError([Problem(where, msg)], source) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        context = getattr(e, "context", None)
        if context and what.startswith("but "):  # "expected ... but found ..."
            what = f"{context}, {what}"
        raise JourneyError([Problem(where, f"not valid YAML: {what}")], source) from None
    except (ValueError, TypeError, AttributeError) as e:
        # a value carrying an explicit tag it does not fit (`!!int abc`); the
        # constructors of PyYAML raise plain Python errors for those
        what = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise JourneyError(
            [Problem("", f"a value does not fit its YAML tag ({what})")], source
        ) from None
    if dups:
        raise JourneyError(dups, source)
    return parse(data, source=source)


def load(path: str | os.PathLike[str]) -> Journey:
    """Load and validate a journey file.

    Raises
    ------
    JourneyError
        When the file is missing, unreadable, not UTF-8, or holds problems;
        the message names the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JourneyError([Problem("", "no such file")], str(path)) from None
    except IsADirectoryError:
        raise JourneyError([Problem("", "is a directory, not a journey file")], str(path)) from None
    except UnicodeDecodeError as e:
        raise JourneyError(
            [Problem("", f"not valid UTF-8 text (byte {e.start})")], str(path)
        ) from None
    except OSError as e:
        raise JourneyError([Problem("", f"cannot be read: {e.strerror}")], str(path)) from None
    return loads(text, source=str(path))


def _drop_defaults(d: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in defaults or defaults[k] != v}


def _num_out(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def journey_to_dict(j: Journey) -> dict[str, Any]:
    """The canonical plain mapping of a journey (what :func:`save` writes)."""
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
            },
            {"probability": 1, "carrier": None, "delay": None, "batch_times": []},
        )
        for t in j.transitions
    ]
    return out


def dumps(journey: Journey) -> str:
    """The journey as canonical YAML text."""
    return yaml.dump(
        journey_to_dict(journey), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def save(journey: Journey, path: str | os.PathLike[str] | None = None) -> str:
    """Write the journey as YAML to ``path`` (when given) and return the text."""
    text = dumps(journey)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
