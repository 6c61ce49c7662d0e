"""Scenarios of a programme: the changes to test in every centre, read from a YAML file.

A scenario file (``odsc programme --scenario FILE``) holds one scenario or a list::

    scenarios:
      - name: one door                 # required, unique, not "as-is"
        one_door: ODSC front desk      # one front desk of this name
        carrier: courier               # or digital: how dossiers move behind it
        digitize: all                  # or a list of agencies: data exchange
        add_staff: {odsc_desk: 1}      # desks to add per pool
        appointments: 0.2              # share of citizens with an appointment
      - name: demand +25%
        demand: 1.25                   # a multiple of every centre's arrivals

The operators (:mod:`journeys.redesign`) apply to each centre's own as-is
model, its desks and demand included, in the order of ``odsc redesign``:
one door, data exchange, staff, appointments. ``to_be: true`` instead takes
each centre's own ``to_be`` journey from the manifest. An operator that cannot
apply at a centre (a pool it lacks) is an error naming the scenario's file, the
scenario, the centre and the operator: a scenario means the same change
everywhere, so a centre is never skipped silently.

Examples
--------
>>> s = scenarios_from_data({"name": "+20%", "demand": 1.2}, source="s.yaml")
>>> s[0].describe()
'demand x1.2'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeys.errors import InputError
from journeys.model import Journey
from simulations.programme import _ID, BASELINE, Centre, Programme, _number

__all__ = ["ProgrammeScenario", "materialise", "read_scenarios", "scenarios_from_data"]


@dataclass(frozen=True)
class ProgrammeScenario:
    """A change to test in every centre.

    Either ``to_be`` (each centre's own ``to_be`` journey) or redesign
    operators applied to each centre's as-is journey: ``one_door`` (the front
    desk's name) with ``carrier``, ``digitize`` (``("all",)`` or agencies),
    ``add_staff`` (pool, desks) pairs and ``appointments`` (a share). ``demand``
    multiplies each centre's arrivals (``1.0``: unchanged).
    """

    name: str
    to_be: bool = False
    one_door: str | None = None
    carrier: str = "courier"
    digitize: tuple[str, ...] = ()
    add_staff: tuple[tuple[str, int], ...] = ()
    appointments: float | None = None
    demand: float = 1.0
    source: str = ""

    def describe(self) -> str:
        """What the scenario changes, in words.

        Examples
        --------
        >>> ProgrammeScenario("x", one_door="ODSC", digitize=("all",), demand=1.2).describe()
        "one front desk ('ODSC'), dossiers by courier; data exchange on every handoff; demand x1.2"
        """
        if self.to_be:
            parts = ["each centre's own to-be journey (the manifest's to_be)"]
        else:
            parts = []
            if self.one_door is not None:
                parts.append(f"one front desk ({self.one_door!r}), dossiers by {self.carrier}")
            if self.digitize:
                every = [a.lower() for a in self.digitize] == ["all"]
                parts.append("data exchange on every handoff" if every
                             else f"data exchange between {', '.join(self.digitize)}")  # fmt: skip
            parts += [f"{n:+d} desks at {p}" for p, n in self.add_staff]
            if self.appointments is not None:
                parts.append(f"{self.appointments:.0%} of citizens by appointment")
        if self.demand != 1.0:
            parts.append(f"demand x{self.demand:g}")
        return "; ".join(parts) or "no change"

    def apply(self, centre: Centre) -> tuple[Journey, float]:
        """This scenario's journey and daily demand at ``centre``.

        Raises
        ------
        journeys.errors.InputError
            When an operator cannot apply to the centre's journey (e.g. no such pool).
        """
        from journeys import redesign as ops

        rate = centre.arrivals_per_day * self.demand
        if self.to_be:
            if centre.to_be is None:
                raise InputError(f"centre {centre.id}: no to_be journey in the manifest")
            return centre.to_be, rate
        r = ops.Redesign(centre.journey)
        steps: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
        if self.one_door is not None:
            steps.append(("one_door", ops.one_door, (),
                          {"door_name": self.one_door, "carrier": self.carrier}))  # fmt: skip
        if self.digitize:
            kw = {} if [a.lower() for a in self.digitize] == ["all"] else {
                "agencies": list(self.digitize)}  # fmt: skip
            steps.append(("digitize", ops.digitize_handoffs, (), kw))
        steps += [("add_staff", ops.add_staff, (p, n), {}) for p, n in self.add_staff]
        if self.appointments is not None:
            steps.append(("appointments", ops.appointments, (self.appointments,), {}))
        for field, op, args, kw in steps:
            try:
                r = r.then(op, *args, **kw)
            except ops.RedesignError as e:
                raise InputError(f"centre {centre.id}: {field}: {e.reason}") from None
        return r.journey, rate


_OPS = ("name", "to_be", "one_door", "carrier", "digitize", "add_staff", "appointments", "demand")


def scenarios_from_data(data: object, *, source: str) -> list[ProgrammeScenario]:
    """Scenarios from parsed YAML: ``{scenarios: [...]}`` or one scenario mapping.

    Examples
    --------
    >>> s = scenarios_from_data({"scenarios": [{"name": "one door", "one_door": "ODSC",
    ...     "digitize": "all"}, {"name": "+20%", "demand": 1.2}]}, source="s.yaml")
    >>> [(x.name, x.one_door, x.digitize, x.demand) for x in s]
    [('one door', 'ODSC', ('all',), 1.0), ('+20%', None, (), 1.2)]
    """
    items = data.get("scenarios") if isinstance(data, Mapping) and "scenarios" in data else [data]
    if not isinstance(items, list) or not items:
        raise InputError(f"{source}: scenarios: expected a list of scenarios")
    out: list[ProgrammeScenario] = []
    for i, raw in enumerate(items, 1):
        where = f"{source}: scenario {i}"
        if not isinstance(raw, Mapping):
            raise InputError(f"{where}: expected a mapping of {', '.join(_OPS)}")
        name = raw.get("name")
        if isinstance(name, str) and name.strip():
            where += f" ({name.strip()})"
        unknown = [str(k) for k in raw if k not in _OPS]
        if unknown:
            raise InputError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_OPS)})")
        if not isinstance(name, str) or not _ID.fullmatch(name.strip()):
            raise InputError(f"{where}: name: expected a name of 1 to 100 characters, got {name!r}")
        name = name.strip()
        if name == BASELINE or name in {s.name for s in out}:
            raise InputError(f"{where}: name: {name!r} is taken (the baseline is {BASELINE!r})")
        kw: dict[str, Any] = {"name": name, "source": source}
        if raw.get("to_be") not in (None, False):
            if raw["to_be"] is not True:
                raise InputError(f"{where}: to_be: expected true, got {raw['to_be']!r}")
            if any(k in raw for k in ("one_door", "digitize", "add_staff", "appointments")):
                raise InputError(f"{where}: to_be: the centres' to_be journeys take no operators")
            kw["to_be"] = True
        if "one_door" in raw:
            if not isinstance(raw["one_door"], str) or not raw["one_door"].strip():
                raise InputError(f"{where}: one_door: expected the front desk's name")
            kw["one_door"] = raw["one_door"].strip()
        if "carrier" in raw:
            if raw["carrier"] not in ("courier", "digital") or "one_door" not in raw:
                raise InputError(f"{where}: carrier: expected courier or digital, with one_door")
            kw["carrier"] = raw["carrier"]
        if "digitize" in raw:
            d = raw["digitize"]
            d = [d] if isinstance(d, str) else d
            if not isinstance(d, list) or not d or not all(isinstance(a, str) and a for a in d):
                raise InputError(f"{where}: digitize: expected all or a list of agencies")
            kw["digitize"] = tuple(a.strip() for a in d)
        if "add_staff" in raw:
            a = raw["add_staff"]
            ok = isinstance(a, Mapping) and a and all(
                isinstance(n, int) and not isinstance(n, bool) for n in a.values())
            if not ok:
                raise InputError(f"{where}: add_staff: expected desks to add per pool, e.g."
                                 " {odsc_desk: 1}")  # fmt: skip
            kw["add_staff"] = tuple((str(p), int(n)) for p, n in a.items())
        if "appointments" in raw:
            v = raw["appointments"]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise InputError(f"{where}: appointments: expected a share from 0 to 1, got {v!r}")
            kw["appointments"] = float(v)
        if "demand" in raw:
            kw["demand"] = _number(raw["demand"], field="demand", where=where, high=100.0)
        if len(kw) == 2:
            raise InputError(f"{where}: no change: give to_be, one_door, digitize, add_staff,"
                             " appointments or demand")  # fmt: skip
        out.append(ProgrammeScenario(**kw))
    return out


def read_scenarios(path: str | Path) -> list[ProgrammeScenario]:
    """Read a scenario file (YAML; see :func:`scenarios_from_data`)."""
    from journeys.errors import JourneyError
    from journeys.safe_yaml import read_yaml

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = read_yaml(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except JourneyError as e:
        raise InputError(f"{p.name}: {e.problems[0] if e.problems else e}") from None
    return scenarios_from_data(data, source=p.name)


def materialise(programme: Programme, scenarios: Sequence[ProgrammeScenario]
                ) -> dict[tuple[str, str], tuple[Journey, float]]:  # fmt: skip
    """Every (centre, scenario)'s journey and demand, the baseline first.

    An operator that cannot apply at a centre is an error naming the scenario's
    file, the scenario, the centre and the operator.
    """
    out: dict[tuple[str, str], tuple[Journey, float]] = {}
    for c in programme.centres:
        out[(c.id, BASELINE)] = (c.journey, c.arrivals_per_day)
        for s in scenarios:
            try:
                out[(c.id, s.name)] = s.apply(c)
            except InputError as e:
                pre = f"{s.source}: " if s.source else ""
                raise InputError(f"{pre}scenario {s.name}: {e}") from None
    return out
