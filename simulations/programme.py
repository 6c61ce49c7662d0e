"""A national programme of centres: the manifest that names every centre's model.

A programme is many One-Door-Service Centres, each with its own calibrated
model: a journey (a catalogue id, or a journey YAML file such as the one
``odsc calibrate`` writes) and, where the centre differs from that journey, its
own demand and desks. :func:`read_programme` reads it from a small manifest,
YAML or CSV, into a frozen :class:`Programme`;
:func:`simulations.programme_scenarios.read_scenarios` reads the redesigns to
test in every centre, and :func:`simulations.programme_run.run_programme` runs
them.

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
(:mod:`simulations.programme_scenarios`), while a ``to_be`` journey gets ``to_be_desks`` only.

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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from journeys.errors import InputError
from journeys.limits import MAX_ARRIVALS_PER_DAY, MAX_CAPACITY
from journeys.model import Journey

__all__ = ["BASELINE", "MAX_CENTRES", "Centre", "Programme", "programme_from_text",
           "read_programme"]

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
