"""A national programme of centres: the manifest that names every centre's model.

A programme is many One-Door-Service Centres, each with its own calibrated
model: a journey (a catalogue id, or a journey YAML file such as the one
``odsc calibrate`` writes) and, where the centre differs from that journey, its
own demand and desks. :func:`read_programme` reads it from a small manifest,
YAML or CSV, into a frozen :class:`Programme`; :func:`read_scenarios` reads the
redesigns to test in every centre. :func:`simulations.programme_run.run_programme`
runs them.

The manifest (``centres.yaml``)::

    programme: District ODSCs          # optional title
    centres:
      - id: vte-01                     # unique; required
        name: Chanthabouly ODSC        # optional [the id]
        journey: business-licence      # required: catalogue id or YAML file
        arrivals_per_day: 7.5          # optional [the journey's]
        desks: {doic_desk: 3}          # optional: desks per pool of the journey
        to_be: business-licence-one-door   # optional: the centre's own redesign
        to_be_desks: {odsc_desk: 2}        # optional: desks of that redesign

A journey file is looked for beside the manifest first, then as given.
The CSV form has one centre a row with the same column names; ``desks`` and
``to_be_desks`` are written ``pool=3;other=2``. Every problem is an
:class:`journeys.errors.InputError` naming the file, the centre (its row or
position and id) and the field.

Decisions: the demand of a centre (``arrivals_per_day``) holds for all its
scenarios (a redesign does not change who comes); ``desks`` apply to the as-is
journey, and so carry into the redesigns built from it by operators
(:func:`read_scenarios`), while a ``to_be`` journey gets ``to_be_desks`` only.

Examples
--------
>>> text = '''
... centres:
...   - {id: a, journey: family-book, arrivals_per_day: 8, desks: {registrar: 3}}
...   - {id: b, name: Centre B, journey: land-title, to_be: land-title-one-door}
... '''
>>> p = programme_from_text(text, source="centres.yaml")
>>> [(c.id, c.name, c.journey.id, c.journey.arrivals.per_day) for c in p.centres]
[('a', 'a', 'family-book', 8.0), ('b', 'Centre B', 'land-title', 4.0)]
>>> p.centres[0].journey.pool("registrar").capacity
3
>>> programme_from_text("centres:\\n  - {id: a, journey: family-book, desks: {x: 2}}",
...                     source="centres.yaml")
Traceback (most recent call last):
...
journeys.errors.InputError: centres.yaml: centre 1 (a): desks: family-book has no pool 'x' (its pools: records_clerk, village_chief, registrar, police_desk, family_book_officer, police_chief)
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from journeys.errors import InputError
from journeys.limits import MAX_ARRIVALS_PER_DAY, MAX_CAPACITY
from journeys.model import Journey

__all__ = [
    "BASELINE",
    "MAX_CENTRES",
    "Centre",
    "Programme",
    "materialise",
    "ProgrammeScenario",
    "programme_from_text",
    "read_programme",
    "read_scenarios",
    "scenarios_from_data",
]

#: Name of the as-is scenario every programme run starts with.
BASELINE = "as-is"
#: Most centres of one manifest (a national programme is tens of centres, not thousands).
MAX_CENTRES = 2_000

_FIELDS = ("id", "name", "journey", "arrivals_per_day", "desks", "to_be", "to_be_desks")
_ID = re.compile(r"[^\x00-\x1f]{1,100}")


@dataclass(frozen=True)
class Centre:
    """One centre: its id and name, its as-is journey (overrides applied), its own redesign."""

    id: str
    name: str
    journey: Journey
    to_be: Journey | None = None

    @property
    def arrivals_per_day(self) -> float:
        """The centre's demand: new citizens a working day."""
        return float(self.journey.arrivals.per_day)


@dataclass(frozen=True)
class Programme:
    """Centres in manifest order, with the manifest's title and file name."""

    centres: tuple[Centre, ...]
    title: str = ""
    source: str = ""

    def centre(self, centre_id: str) -> Centre:
        """The centre with this id."""
        for c in self.centres:
            if c.id == centre_id:
                return c
        raise KeyError(centre_id)


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


# ------------------------------------------------------------------ manifest
def _where(source: str, pos: int, cid: object | None, line: int | None) -> str:
    at = f"row {line}" if line is not None else f"centre {pos}"
    return f"{source}: {at}" + (f" ({cid})" if isinstance(cid, str) and cid else "")


def _number(value: object, *, field: str, where: str, high: float) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        0 < float(value) <= high and math.isfinite(float(value))
    ):
        raise InputError(f"{where}: {field}: expected a number above 0 and at most {high:,g},"
                         f" got {value!r}")  # fmt: skip
    return float(value)


def _desks(value: object, *, field: str, where: str) -> dict[str, int]:
    if isinstance(value, str):  # the CSV form: pool=3;other=2
        pairs = [p.strip() for p in value.split(";") if p.strip()]
        out: dict[str, object] = {}
        for p in pairs:
            pool, eq, n = p.partition("=")
            if not eq or not pool.strip():
                raise InputError(f"{where}: {field}: {p!r}: write POOL=N;POOL=N, e.g. odsc_desk=2")
            out[pool.strip()] = n.strip()
        value = out
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: {field}: expected desks per pool, e.g. {{odsc_desk: 2}},"
                         f" got {value!r}")  # fmt: skip
    desks = {}
    for pool, n in value.items():
        if isinstance(n, str) and n.strip().isdigit():
            n = int(n.strip())
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CAPACITY:
            raise InputError(f"{where}: {field}: {pool}: expected a whole number of desks from 1"
                             f" to {MAX_CAPACITY:,}, got {n!r}")  # fmt: skip
        desks[str(pool)] = n
    return desks


def _staffed(journey: Journey, desks: dict[str, int], *, field: str, where: str) -> Journey:
    known = [p.id for p in journey.pools]
    for pool in desks:
        if pool not in known:
            raise InputError(f"{where}: {field}: {journey.id} has no pool {pool!r}"
                             f" (its pools: {', '.join(known)})")  # fmt: skip
    if not desks:
        return journey
    pools = tuple(replace(p, capacity=desks.get(p.id, p.capacity)) for p in journey.pools)
    return replace(journey, pools=pools)


def _journey(spec: object, *, field: str, where: str, base: Path | None,
             cache: dict[str, Journey]) -> Journey:  # fmt: skip
    from journeys.catalog import resolve
    from journeys.errors import JourneyError

    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"{where}: {field}: expected a catalogue id or a journey file,"
                         f" got {spec!r}")  # fmt: skip
    spec = spec.strip()
    beside = base / spec if base is not None else None
    key = str(beside) if beside is not None and beside.is_file() else spec
    if key not in cache:
        try:
            cache[key] = resolve(key)
        except JourneyError as e:
            first = str(e.problems[0]) if e.problems else str(e)
            more = f" (and {len(e.problems) - 1} more problems)" if len(e.problems) > 1 else ""
            raise InputError(f"{where}: {field}: {spec}: {first}{more}") from None
        except InputError as e:
            raise InputError(f"{where}: {field}: {spec}: {e}") from None
    return cache[key]


def _centre(raw: object, *, pos: int, line: int | None, source: str, base: Path | None,
            cache: dict[str, Journey]) -> Centre:  # fmt: skip
    if not isinstance(raw, Mapping):
        where = _where(source, pos, None, line)
        raise InputError(f"{where}: expected a centre with the fields {', '.join(_FIELDS)},"
                         f" got {raw!r}"[:300])  # fmt: skip
    cid = raw.get("id")
    where = _where(source, pos, cid, line)
    # an empty CSV cell is a field not given
    raw = {k: v for k, v in raw.items() if not (isinstance(v, str) and not v.strip())}
    unknown = [str(k) for k in raw if k not in _FIELDS]
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    if isinstance(cid, (int, float)) and not isinstance(cid, bool):
        cid = str(cid)
    if not isinstance(cid, str) or not _ID.fullmatch(cid.strip()):
        raise InputError(f"{where}: id: expected a name of 1 to 100 characters, got"
                         f" {raw.get('id')!r}")  # fmt: skip
    cid = cid.strip()
    name = raw.get("name", cid)
    if not isinstance(name, str) or len(name) > 300:
        raise InputError(f"{where}: name: expected a text of at most 300 characters, got {name!r}")
    if "journey" not in raw:
        raise InputError(f"{where}: journey: missing; name a catalogue journey or a journey file")
    j = _journey(raw["journey"], field="journey", where=where, base=base, cache=cache)
    if "arrivals_per_day" in raw:
        rate = _number(raw["arrivals_per_day"], field="arrivals_per_day", where=where,
                       high=MAX_ARRIVALS_PER_DAY)  # fmt: skip
        j = replace(j, arrivals=replace(j.arrivals, per_day=rate))
    j = _staffed(j, _desks(raw.get("desks", {}), field="desks", where=where),
                 field="desks", where=where)  # fmt: skip
    to_be = None
    if "to_be" in raw:
        to_be = _journey(raw["to_be"], field="to_be", where=where, base=base, cache=cache)
        to_be = replace(to_be, arrivals=replace(to_be.arrivals, per_day=j.arrivals.per_day))
        to_be = _staffed(to_be, _desks(raw.get("to_be_desks", {}), field="to_be_desks",
                                       where=where), field="to_be_desks", where=where)  # fmt: skip
    elif "to_be_desks" in raw:
        raise InputError(f"{where}: to_be_desks: given without a to_be journey")
    return Centre(cid, name.strip() or cid, j, to_be)


def _rows_csv(text: str, source: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    heads = [h.strip() for h in (reader.fieldnames or [])]
    if not heads:
        raise InputError(f"{source}: empty file; expected a header with {', '.join(_FIELDS)}")
    for h in heads:
        if h not in _FIELDS:
            raise InputError(f"{source}: line 1: unknown column {h!r} (known: {', '.join(_FIELDS)})")
    if len(set(heads)) != len(heads):
        raise InputError(f"{source}: line 1: a column is named twice")
    rows = []
    for rec in reader:
        if None in rec:
            raise InputError(f"{source}: row {reader.line_num}: more values than columns")
        rows.append((reader.line_num, {k.strip(): (v or "") for k, v in rec.items()}))
    return rows


def programme_from_text(text: str, *, source: str = "centres.yaml",
                        base: str | Path | None = None, csv_form: bool = False) -> Programme:  # fmt: skip
    """A :class:`Programme` from the text of a manifest (YAML, or CSV with ``csv_form``).

    ``base`` is the folder journey files are looked for in first (the manifest's).
    See the module docstring for the fields and an example.
    """
    from journeys.safe_yaml import read_yaml

    title = ""
    if csv_form:
        items: list[tuple[int | None, Any]] = list(_rows_csv(text, source))
    else:
        from journeys.errors import JourneyError

        try:
            data = read_yaml(text)
        except JourneyError as e:
            raise InputError(f"{source}: {e.problems[0] if e.problems else e}") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("centres"), list):
            raise InputError(f"{source}: expected a mapping with a list 'centres:' (one entry"
                             " a centre: id, name, journey, ...)")  # fmt: skip
        extra = [k for k in data if k not in ("centres", "programme")]
        if extra:
            raise InputError(f"{source}: unknown field {extra[0]!r} (known: programme, centres)")
        title = data.get("programme") or ""
        if not isinstance(title, str):
            raise InputError(f"{source}: programme: expected a title, got {title!r}")
        items = [(None, c) for c in data["centres"]]
    if not items:
        raise InputError(f"{source}: no centre in the manifest")
    if len(items) > MAX_CENTRES:
        raise InputError(f"{source}: {len(items):,} centres; at most {MAX_CENTRES:,}")
    folder = Path(base) if base is not None else None
    cache: dict[str, Journey] = {}
    centres: list[Centre] = []
    seen: dict[str, str] = {}
    for pos, (line, raw) in enumerate(items, 1):
        c = _centre(raw, pos=pos, line=line, source=source, base=folder, cache=cache)
        here = f"row {line}" if line is not None else f"centre {pos}"
        if c.id in seen:
            raise InputError(f"{source}: {here} ({c.id}): id: {c.id!r} is also the id of"
                             f" {seen[c.id]}")  # fmt: skip
        seen[c.id] = here
        centres.append(c)
    return Programme(tuple(centres), title.strip(), source)


def read_programme(path: str | Path) -> Programme:
    """Read a manifest file, ``.yaml``/``.yml`` or ``.csv`` (see the module docstring).

    Raises
    ------
    journeys.errors.InputError
        A missing or unreadable file, or any bad field, naming the centre and the field.
    """
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml", ".csv"):
        raise InputError(f"{path}: a programme manifest is .yaml, .yml or .csv")
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return programme_from_text(text, source=p.name, base=p.parent,
                               csv_form=p.suffix.lower() == ".csv")  # fmt: skip


# ----------------------------------------------------------------- scenarios
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
