"""OCEL 2.0 object-centric logs as case logs: flattened on one object type.

A government case system that exports OCEL 2.0 (JSON, XML or SQLite) records
events that concern several objects at once: an application, its documents,
its fee payment. :func:`flatten_ocel` reads such a file with pm4py
(``pm4py.read_ocel2_json`` / ``_xml`` / ``_sqlite``) and flattens it with
``pm4py.ocel_flattening`` on the object type the user names: every object of
that type becomes a case, holding the events related to it. The result is a
raw log for :func:`analysis.logs.read_log` (columns ``case:concept:name``,
``concept:name``, ``time:timestamp``, the events' own attributes, and the
objects' attributes as ``case:`` columns).

What flattening does to the events, counted and said (``attrs["odsc:ocel"]``,
the line ``odsc mine`` prints):

* an event related to **several objects** of the type is **duplicated**, once
  into each of their cases (a joint hearing of two applications counts in
  both); the count is of the extra copies;
* an event related to **no object** of the type is **dropped** (a batch job
  on documents only, when flattening on applications).

Rules decided here: the object type is required, since the choice of case
decides every figure and no type is the obvious one; naming none, or an
unknown one, is refused with the types the file has (and how many objects
each). Timestamps are UTC as pm4py reads them.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd, pm4py
>>> from pm4py.objects.ocel.obj import OCEL
>>> events = pd.DataFrame({"ocel:eid": ["e1", "e2", "e3"],
...     "ocel:activity": ["submit", "check", "archive"],
...     "ocel:timestamp": pd.to_datetime(["2024-01-02 08:00", "2024-01-02 09:00",
...                                       "2024-01-03 10:00"])})
>>> objects = pd.DataFrame({"ocel:oid": ["a1", "a2", "d1"],
...     "ocel:type": ["application", "application", "document"]})
>>> rel = pd.DataFrame({"ocel:eid": ["e1", "e1", "e2", "e3"], "ocel:oid": ["a1", "a2", "a1", "d1"]})
>>> rel = rel.merge(events).merge(objects).assign(**{"ocel:qualifier": ""})
>>> with tempfile.TemporaryDirectory() as d:
...     path = pathlib.Path(d) / "centre.jsonocel"
...     pm4py.write_ocel2_json(OCEL(events=events, objects=objects, relations=rel), str(path))
...     flat = flatten_ocel(path, "application")
>>> flat[["case:concept:name", "concept:name"]].values.tolist()
[['a1', 'submit'], ['a2', 'submit'], ['a1', 'check']]
>>> flat.attrs["odsc:ocel"]
'centre.jsonocel: flattened on object type application: 2 cases, 3 events from 2 of 3 OCEL events (1 duplicated: related to several application objects; 1 dropped: related to no application)'

pm4py's readers skip events related to no object at all; they are counted
from the file itself and reported as dropped too.
"""

from __future__ import annotations

import contextlib
from os import PathLike
from pathlib import Path

import pandas as pd

from analysis.schema import CASE, LogError

__all__ = ["OCEL_SUFFIXES", "case_log_source", "flatten_ocel", "is_ocel", "object_types"]

#: File name endings read as OCEL 2.0, and pm4py's reader for each.
OCEL_SUFFIXES: dict[str, str] = {
    ".jsonocel": "read_ocel2_json",
    ".json": "read_ocel2_json",
    ".xmlocel": "read_ocel2_xml",
    ".xml": "read_ocel2_xml",
    ".sqlite": "read_ocel2_sqlite",
    ".sqlite3": "read_ocel2_sqlite",
}

_EID = "ocel:eid"
_OID = "ocel:oid"
_TYPE = "ocel:type"


def is_ocel(path: str | PathLike[str]) -> bool:
    """Whether a file name is one of an OCEL 2.0 log (:data:`OCEL_SUFFIXES`).

    Examples
    --------
    >>> is_ocel("centre.jsonocel"), is_ocel("log.csv")
    (True, False)
    """
    return Path(path).suffix.lower() in OCEL_SUFFIXES


def _read(path: Path):  # noqa: ANN202 - pm4py's OCEL object
    import pm4py

    name = path.name
    if not path.exists():
        raise LogError(f"{name}: no such file ({path})")
    if path.is_dir():
        raise LogError(f"{name}: is a directory, not an OCEL 2.0 file")
    reader = getattr(pm4py, OCEL_SUFFIXES[path.suffix.lower()])
    try:
        ocel = reader(str(path))
    except Exception as exc:  # pm4py raises json, lxml, sqlite3 and key errors alike
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise LogError(f"{name}: not a readable OCEL 2.0 file ({text})") from None
    for table, column in (("events", _EID), ("objects", _OID), ("objects", _TYPE)):
        if column not in getattr(ocel, table).columns:
            raise LogError(f"{name}: not an OCEL 2.0 log: its {table} have no {column!r}")
    return ocel


def _events_in_file(path: Path) -> int | None:
    """How many events the file holds, counted in the file itself.

    pm4py's readers leave out events related to no object at all, so the count
    of events dropped by flattening would miss them; the file is read again
    only to count its events (``None`` when that fails: pm4py's count is used).
    """
    import json
    import sqlite3
    import xml.etree.ElementTree as ET

    kind = OCEL_SUFFIXES[path.suffix.lower()]
    try:
        if kind == "read_ocel2_json":
            with path.open(encoding="utf-8") as f:
                return len(json.load(f).get("events", []))
        if kind == "read_ocel2_sqlite":
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                return int(db.execute("SELECT COUNT(*) FROM event").fetchone()[0])
        n = 0
        for _, elem in ET.iterparse(path, events=("end",)):
            if elem.tag == "event":
                n += 1
            elem.clear()
        return n
    except Exception:  # noqa: BLE001 - a count only; pm4py has read the file already
        return None


def object_types(path: str | PathLike[str]) -> pd.Series:
    """The object types of an OCEL 2.0 file and how many objects each has, most first."""
    ocel = _read(Path(path))
    return ocel.objects[_TYPE].astype(str).value_counts()


def _types_text(counts: pd.Series) -> str:
    return ", ".join(f"{t} ({n:,} objects)" for t, n in counts.items()) or "none"


def flatten_ocel(path: str | PathLike[str], object_type: str | None) -> pd.DataFrame:
    """Flatten an OCEL 2.0 file on ``object_type``: one case per object of that type.

    Parameters
    ----------
    path : str or path
        A ``.jsonocel``/``.json``, ``.xmlocel``/``.xml`` or ``.sqlite`` file.
    object_type : str or None
        The object type whose objects are the cases; ``None`` is refused with
        the list of types.

    Returns
    -------
    pandas.DataFrame
        A raw case log for :func:`analysis.logs.read_log`; ``attrs["odsc:ocel"]``
        says what flattening did, ``attrs["odsc:ocel_counts"]`` holds the counts
        (``events``, ``kept``, ``duplicated``, ``dropped``, ``cases``) and
        ``attrs["odsc:name"]`` the file's name for messages.

    Raises
    ------
    analysis.schema.LogError
        An unreadable file, no or an unknown object type, or a type no event
        relates to.
    """
    import pm4py

    p = Path(path)
    name = p.name
    ocel = _read(p)
    counts = ocel.objects[_TYPE].astype(str).value_counts()
    if object_type is None:
        raise LogError(
            f"{name}: an OCEL log needs --object-type, the object type whose objects are the "
            f"cases; its types: {_types_text(counts)}"
        )
    if object_type not in counts.index:
        raise LogError(
            f"{name}: --object-type {object_type}: no such object type; its types: "
            f"{_types_text(counts)}"
        )
    flat = pm4py.ocel_flattening(ocel, object_type)
    total = max(int(ocel.events[_EID].nunique()), _events_in_file(p) or 0)
    if flat.empty:
        raise LogError(
            f"{name}: --object-type {object_type}: no event relates to an object of this type "
            f"(its {counts[object_type]:,} objects have no events)"
        )
    kept = int(flat[_EID].nunique())
    duplicated = len(flat) - kept
    dropped = total - kept
    cases = int(flat[CASE].nunique())
    flat = flat.reset_index(drop=True)
    flat.attrs["odsc:name"] = name
    flat.attrs["odsc:ocel_counts"] = {"events": total, "kept": kept, "duplicated": duplicated,
                                      "dropped": dropped, "cases": cases}  # fmt: skip
    flat.attrs["odsc:ocel"] = (
        f"{name}: flattened on object type {object_type}: {cases:,} cases, {len(flat):,} events "
        f"from {kept:,} of {total:,} OCEL events ({duplicated:,} duplicated: related to several "
        f"{object_type} objects; {dropped:,} dropped: related to no {object_type})"
    )
    return flat


def case_log_source(source: object, object_type: str | None) -> tuple[object, str | None]:
    """What :func:`analysis.logs.read_log` should read, and the line saying what flattening did.

    An OCEL 2.0 file becomes its log flattened on ``object_type``; any other
    source is returned as it is, and naming an object type for it is refused.

    Examples
    --------
    >>> case_log_source("log.csv", None)
    ('log.csv', None)
    >>> case_log_source("log.csv", "application")
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: log.csv: --object-type is for OCEL 2.0 files only (.jsonocel, .xmlocel, .sqlite)
    """
    if isinstance(source, (str, PathLike)) and is_ocel(source):
        flat = flatten_ocel(source, object_type)
        return flat, str(flat.attrs["odsc:ocel"])
    if object_type is not None:
        name = Path(source).name if isinstance(source, (str, PathLike)) else "DataFrame"
        raise LogError(
            f"{name}: --object-type is for OCEL 2.0 files only (.jsonocel, .xmlocel, .sqlite)"
        )
    return source, None
