"""Every difference between two journeys, one readable line each.

:func:`diff` compares two :class:`~journeys.model.Journey` objects section by
section: the journey's own fields, agencies, doors, calendars, pools, the
arrivals, the steps and the transitions. Entities are matched by id
(transitions by their pair of steps), so a line says what was added, what was
removed and, field by field, what changed. Two equal journeys give no line.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> from journeys.redesign import add_staff
>>> j = load_catalog("business-licence")
>>> diff(j, add_staff(j, "tax_desk", 1).journey)
['pool tax_desk: capacity 1 -> 2']
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from journeys.model import Distribution, Journey, Transition

__all__ = ["diff", "format_value"]

_TOP = ("id", "name", "description", "currency", "time_value_per_hour", "start")
_SECTIONS = (
    ("agencies", "agency"),
    ("doors", "door"),
    ("calendars", "calendar"),
    ("pools", "pool"),
    ("steps", "step"),
)


def format_value(v: Any) -> str:
    """A field's value as a planner reads it.

    Examples
    --------
    >>> format_value(Distribution("lognormal", {"mean": 20.0, "sd": 8.0}))
    'lognormal(mean=20, sd=8)'
    >>> format_value((("08:00", "12:00"), ("13:00", "16:00")))
    '08:00-12:00, 13:00-16:00'
    >>> format_value(None), format_value(True)
    ('none', 'yes')
    """
    if v is None or v == ():
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) >= 1e4 else f"{v:.6g}"
    if isinstance(v, Distribution):
        if v.dist == "empirical":
            return f"empirical({len(v.params['samples'])} samples, mean={v.mean:.6g})"
        return (
            f"{v.dist}({', '.join(f'{k}={format_value(float(x))}' for k, x in v.params.items())})"
        )
    if isinstance(v, dict):
        return ", ".join(f"{k}: {format_value(x)}" for k, x in v.items()) or "none"
    if isinstance(v, tuple):
        return ", ".join("-".join(x) if isinstance(x, tuple) else format_value(x) for x in v)
    return str(v)


def _fields(kind: str, key: str, a: Any, b: Any) -> list[str]:
    """One line per field that differs between two objects of one dataclass."""
    out = []
    for f in fields(a):
        if f.name in ("id", "source", "target"):
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x != y:
            name = f.name.replace("_", " ")
            where = f"{kind} {key}" if key else kind
            out.append(f"{where}: {name} {format_value(x)} -> {format_value(y)}")
    return out


def _summary(obj: Any, *, short: bool = False) -> str:
    """The fields of ``obj`` that are not defaults, its name first; only the name if short."""
    name = getattr(obj, "name", "")
    if short and name:
        return f" ({name})"
    shown = [f"name {name}"] if name else []
    for f in fields(obj):
        v = getattr(obj, f.name)
        if f.name in ("id", "source", "target", "name") or v in (None, "", (), {}):
            continue
        if f.default is not MISSING and f.default in (False, "xor", 0) and v == f.default:
            continue
        shown.append(f"{f.name.replace('_', ' ')} {format_value(v)}")
    return f" ({'; '.join(shown)})" if shown else ""


def _keyed(items: Any, key: Any) -> dict[Any, Any]:
    return {key(x): x for x in items}


def diff(a: Journey, b: Journey) -> list[str]:
    """Every difference from journey ``a`` to journey ``b``, one line each.

    Parameters
    ----------
    a, b : Journey
        Typically an as-is journey and its redesign; neither is changed.

    Returns
    -------
    list of str
        In the order of the journey file: the journey's own fields, agencies,
        doors, calendars, pools, arrivals, steps, transitions. Added and removed
        entities are one line each (with their non-default fields); a changed
        one gives one line per field; a change of file order is one line too.
        Empty when the journeys are equal.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> from journeys.restructure import eliminate
    >>> j = load_catalog("family-book")
    >>> for line in diff(j, eliminate(j, "village_cert").journey):
    ...     print(line)
    step removed: village_cert (Village chief certifies the birth)
    transition removed: birth_notice -> village_cert (probability 1; carrier citizen; delay ...)
    transition removed: village_cert -> register_birth (probability 1; carrier citizen; delay ...)
    transition added: birth_notice -> register_birth (probability 1; carrier citizen; delay ...)
    """
    out: list[str] = []
    for name in _TOP:
        x, y = getattr(a, name), getattr(b, name)
        if x != y:
            out.append(f"{name.replace('_', ' ')}: {format_value(x)} -> {format_value(y)}")
    sections = [(s, k, lambda x: x.id) for s, k in _SECTIONS[:4]]
    for section, kind, key in sections:
        out += _section(getattr(a, section), getattr(b, section), kind, key)
    out += _fields("arrivals", "", a.arrivals, b.arrivals)
    out += _section(a.steps, b.steps, "step", lambda x: x.id)
    out += _section(a.transitions, b.transitions, "transition", _pair)
    return out


def _pair(t: Transition) -> str:
    return f"{t.source} -> {t.target}"


def _section(xs: Any, ys: Any, kind: str, key: Any) -> list[str]:
    old, new = _keyed(xs, key), _keyed(ys, key)
    out = [f"{kind} removed: {k}{_summary(x, short=True)}" for k, x in old.items() if k not in new]
    for k, x in old.items():
        if k in new and x != new[k]:
            out += _fields(kind, k, x, new[k])
    out += [f"{kind} added: {k}{_summary(y)}" for k, y in new.items() if k not in old]
    kept_a, kept_b = [k for k in old if k in new], [k for k in new if k in old]
    if kept_a != kept_b:  # the same entries in another file order
        out.append(f"{kind} order: {', '.join(kept_a)} -> {', '.join(kept_b)}")
    return out
