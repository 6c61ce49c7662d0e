"""A streaming XES reader: ``.xes`` and ``.xes.gz`` straight into one DataFrame.

:func:`read_xes` walks the file with :func:`lxml.etree.iterparse`, clearing
each trace once it is read, and collects one list per attribute; the
DataFrame is built once at the end, column by column, with vectorised type
conversion. No per-event dict, no ``EventLog`` object, no DOM of the file.

The result is the frame :func:`pm4py.read_xes` returns (its default parser
and pandas conversion), column for column and dtype for dtype, with the rules
below stated where the two could differ.

Rules decided here:

* **Columns.** One row per ``<event>``, in file order. An event's attributes
  are columns named by their ``key``; a trace's attributes are repeated on
  each of its events as ``case:<key>``. Columns come in the order pandas gives
  pm4py's records (the order in which each key first appears, an event's own
  keys before its trace's). A key repeated within one event keeps its last
  value.
* **Types.** ``string`` and ``id`` are text; ``int`` is int64 (float64 when
  some rows lack it, the missing ones NaN, as pandas does); ``float`` is
  float64; ``boolean`` is bool (object when some rows lack it); ``date`` is a
  UTC datetime (an offset is converted, a naive time taken as UTC; sub-
  microsecond digits dropped, as Python's datetime does). A key written with
  several types is an object column of the converted values.
* **Nested attributes** (meta-data inside an attribute) are left out; the
  attribute itself keeps its own value. pm4py makes such an attribute a
  ``{"value": ..., "children": ...}`` dict, which no table, CSV or Parquet
  file holds and no analysis can group by. ``list`` and ``container``
  attributes (no value of their own) are left out for the same reason.
  Log-level attributes, extensions and classifiers make no column, and
  ``<global>`` defaults are not applied (pm4py does not apply them either:
  an event without a key has no value for it, not the global default).
* **Empty traces** give no rows (so their attributes make no column unless
  another trace has them). A trace without ``concept:name`` gives rows whose
  ``case:concept:name`` is missing; :func:`analysis.logs.read_log` names them.
* **Text** is XML-decoded (``&amp;`` is ``&``). External entities and DTDs are
  never fetched.
* **Refused, not dropped.** pm4py logs and drops an ``int``, ``float`` or
  ``date`` value it cannot parse, so a bad timestamp silently becomes a
  missing one; here it is an error naming the line. ``boolean`` accepts
  ``true``/``false`` in any case and ``1``/``0`` (XML Schema's spellings;
  pm4py reads ``1`` as false); anything else is refused.
* **Errors** raise :class:`~analysis.schema.LogError` naming the file and the
  line: malformed XML (the parser's line), an attribute without ``key`` or
  ``value``, a value that is not of its type, an ``<event>`` outside a
  ``<trace>``, a truncated ``.gz`` file.

Examples
--------
>>> import tempfile, pathlib
>>> xes = '''<log><trace><string key="concept:name" value="c1"/>
...   <event><string key="concept:name" value="apply"/><int key="fee" value="5"/>
...     <date key="time:timestamp" value="2024-03-04T08:00:00+07:00"/></event>
...   <event><string key="concept:name" value="pay"/>
...     <date key="time:timestamp" value="2024-03-04T09:30:00+07:00"/></event>
... </trace></log>'''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.xes"
>>> _ = path.write_text(xes)
>>> log = read_xes(path)
>>> list(log.columns)
['concept:name', 'fee', 'time:timestamp', 'case:concept:name']
>>> log["fee"].tolist(), log["time:timestamp"].dt.hour.tolist()
([5.0, nan], [1, 2])
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zlib
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.schema import LogError

__all__ = ["TYPES", "WRITTEN_ZONE", "read_xes"]

#: Key of ``DataFrame.attrs`` holding the clock the ``time:timestamp`` values were
#: written in (an IANA or ``Etc/GMT`` zone from their offsets, ``None`` for UTC;
#: :func:`analysis.timezones.infer_zone`), so that the reader need not scan the file again.
WRITTEN_ZONE = "odsc:written_zone"

#: The XES attribute element names read into columns.
TYPES = ("string", "id", "int", "float", "boolean", "date")

_TYPE_SET = frozenset(TYPES)
_RAW = frozenset({"string", "date", "id"})  # kept as written until the column is built
_CASE_PREFIX = "case:"
_TIME = "time:timestamp"
_OFFSET = re.compile(r"(?:(Z)|([+-])(\d\d):?(\d\d))$")  # as analysis.timezones reads offsets
_TRUE = {"true": True, "1": True, "false": False, "0": False}
_CASE_RANK = 1 << 40  # a trace's keys rank after every key of its first event


def read_xes(path: str | PathLike[str]) -> pd.DataFrame:
    """Read an XES file (``.xes`` or ``.xes.gz``) into a DataFrame, streaming.

    Parameters
    ----------
    path : str or path
        The file; a name ending in ``.gz`` is read through gzip.

    Returns
    -------
    pandas.DataFrame
        One row per event, event attributes by key, trace attributes as
        ``case:<key>``, typed as the module docs say; a RangeIndex.

    Raises
    ------
    LogError
        One line naming the file and the line at fault (module docs).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.xes"
    >>> _ = path.write_text('<log>\\n<trace>\\n<event><int key="n" value="x"/></event></trace></log>')
    >>> read_xes(path)
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: bad.xes: not a readable XES file (line 3: int 'n' is not an integer: 'x')
    """
    path = Path(path)
    collector = _Collector(path.name)
    try:
        with _open(path) as fh:
            collector.parse(fh)
    except LogError:
        raise
    except _XML_ERRORS() as exc:
        line = getattr(exc, "lineno", None) or getattr(exc, "position", (None,))[0]
        msg = str(getattr(exc, "msg", None) or exc).split("\n")[0].strip()
        where = f"line {line}: " if line else ""
        raise LogError(f"{path.name}: not a readable XES file ({where}{msg})") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise LogError(f"{path.name}: not a readable XES file ({_one_line(exc)})") from exc
    return collector.frame(path)


# --------------------------------------------------------------------------- parsing


def _XML_ERRORS() -> type[Exception]:
    from lxml import etree

    return etree.XMLSyntaxError


def _open(path: Path) -> Any:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _local(tag: object) -> str:
    """An element's name without its namespace (``{uri}event`` -> ``event``)."""
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


class _Collector:
    """Columns of the log being read: per (key, type) the rows and raw values."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0  # events read so far
        self.events: dict[tuple[str, str], tuple[list[int], list[Any]]] = {}
        self.cases: dict[tuple[str, str], tuple[list[int], list[Any]]] = {}
        self.rank: dict[str, tuple[int, int]] = {}
        self.trace_rows: list[int] = []  # events per trace, traces with events only
        self.trace_start = 0
        self.names: dict[object, str] = {}

    def _error(self, line: int | None, text: str) -> LogError:
        return LogError(f"{self.name}: not a readable XES file (line {line}: {text})")

    def _value(self, child: Any, tag: str) -> tuple[str, Any]:
        key, value = child.get("key"), child.get("value")
        if key is None or value is None:
            missing = "key" if key is None else "value"
            raise self._error(child.sourceline, f"<{tag}> attribute without {missing}")
        if tag == "int":
            try:
                return key, int(value)
            except ValueError:
                raise self._error(
                    child.sourceline, f"int {key!r} is not an integer: {value!r}"
                ) from None
        if tag == "float":
            try:
                return key, float(value)
            except ValueError:
                raise self._error(
                    child.sourceline, f"float {key!r} is not a number: {value!r}"
                ) from None
        if tag == "boolean":
            flag = _TRUE.get(value.strip().lower())
            if flag is None:
                raise self._error(
                    child.sourceline, f"boolean {key!r} is not true or false: {value!r}"
                )
            return key, flag
        return key, value  # string, id; dates are parsed per column at the end

    def _kind(self, tag: object) -> str:
        """The local name of an element tag, cached (namespaces cost a split each)."""
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = _local(tag)
        return name

    def parse(self, fh: Any) -> None:
        from lxml import etree

        # Only whole events and traces are reported; each trace is cleared once
        # read, with the emptied siblings before it, so memory holds one trace.
        context = etree.iterparse(
            fh, events=("end",), tag=("{*}event", "{*}trace"), resolve_entities=False,
            no_network=True, huge_tree=True, remove_comments=True, remove_pis=True,
        )  # fmt: skip
        kind = self._kind
        for _, elem in context:
            if kind(elem.tag) == "event":
                parent = elem.getparent()
                if parent is None or kind(parent.tag) != "trace":
                    raise self._error(elem.sourceline, "<event> outside a <trace>")
                self._attributes(elem, self.rows, self.events, 0)
                self.rows += 1
                elem.clear(keep_tail=False)
            else:
                self._trace(elem)

    def _attributes(
        self, elem: Any, row: int, columns: dict[tuple[str, str], Any], case_start: int
    ) -> None:
        """Collect the typed attribute children of an event (or a trace, ``case_start`` > 0)."""
        # The hot loop of the reader: one pass per attribute, no call for text and dates.
        names = self.names
        for pos, child in enumerate(elem):
            tag = names.get(child.tag)
            if tag is None:
                tag = self._kind(child.tag)
            if tag in _RAW:
                key, value = child.get("key"), child.get("value")
                if key is None or value is None:
                    self._value(child, tag)  # raises, naming the line
            elif tag in _TYPE_SET:
                key, value = self._value(child, tag)
            else:
                continue
            store = columns.get((key, tag))
            if store is None:
                store = columns[(key, tag)] = ([], [])
                name = _CASE_PREFIX + key if case_start else key
                if name not in self.rank:
                    self.rank[name] = (
                        (case_start - 1, _CASE_RANK + pos) if case_start else (row, pos)
                    )
            rows, values = store
            if rows and rows[-1] == row:  # a repeated key: the last value counts
                values[-1] = value
                continue
            rows.append(row)
            values.append(value)

    def _trace(self, elem: Any) -> None:
        if self.rows > self.trace_start:
            # case_start is the trace's first row + 1, so that it is never 0
            self._attributes(elem, len(self.trace_rows), self.cases, self.trace_start + 1)
            self.trace_rows.append(self.rows - self.trace_start)
        self.trace_start = self.rows
        elem.clear(keep_tail=False)
        while elem.getprevious() is not None:
            del elem.getparent()[0]

    # ----------------------------------------------------------------------- building

    def frame(self, path: Path) -> pd.DataFrame:
        n = self.rows
        per_key: dict[str, list[tuple[str, list[int], list[Any]]]] = {}
        for (key, tag), (rows, values) in self.events.items():
            per_key.setdefault(key, []).append((tag, rows, values))
        counts = np.asarray(self.trace_rows, dtype=np.int64)
        for (key, tag), (traces, values) in self.cases.items():
            rows, repeated = _repeat(traces, values, counts)
            per_key.setdefault(_CASE_PREFIX + key, []).append((tag, rows, repeated))
        self.events.clear()
        self.cases.clear()
        columns: dict[str, Any] = {}
        zone: str | None = None
        known = False  # whether time:timestamp is all dates, so its offsets say the clock
        for key in sorted(per_key, key=self.rank.__getitem__):
            parts = per_key.pop(key)
            if len(parts) == 1:
                tag, rows, values = parts[0]
                columns[key] = _typed(tag, rows, values, n, self._date_error(path, key))
                if key == _TIME and tag == "date":
                    zone, known = _written_zone(values, columns[key]), True
            else:
                columns[key] = _mixed(parts, n, self._date_error(path, key))
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
        if known:
            frame.attrs[WRITTEN_ZONE] = zone
        return frame

    def _date_error(self, path: Path, key: str) -> Any:
        def fail(bad: str) -> LogError:
            line = _line_of(path, "date", key.removeprefix(_CASE_PREFIX), bad)
            return self._error(line, f"date {key!r} is not a date: {bad!r}")

        return fail


def _repeat(traces: list[int], values: list[Any], counts: np.ndarray) -> tuple[Any, list[Any]]:
    """Rows and values of a trace attribute, spread over the trace's events."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    idx = np.asarray(traces, dtype=np.int64)
    lengths = counts[idx]
    rows = np.repeat(starts[idx] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    rows += np.arange(int(lengths.sum()), dtype=np.int64)
    obj = np.empty(len(values), dtype=object)
    obj[:] = values
    return rows, np.repeat(obj, lengths)


def _dates(values: Any, fail: Any) -> np.ndarray:
    """ISO 8601 texts as naive UTC ``datetime64[us]`` (module docs)."""
    text = pd.Index(np.asarray(values, dtype=object))
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    out = parsed.floor("us").as_unit("us").tz_convert(None).to_numpy()
    for i in np.flatnonzero(parsed.isna()):
        # rare spellings: Python's own ISO parser, as pm4py uses, one by one
        value = _fromiso(str(text[i]))
        if value is None:
            raise fail(str(text[i]))
        out[i] = np.datetime64(value.astimezone(dt.UTC).replace(tzinfo=None), "us")
    return out


def _written_zone(texts: list[str], utc: pd.DatetimeIndex) -> str | None:
    """The clock the timestamps were written in, from their offsets (rules: analysis.timezones).

    The offset is read once per distinct ending of the text (a timestamp's
    offset is in its last six characters), not once per event.
    """
    from analysis.timezones import infer_zone

    ends = pd.Index(np.asarray(texts, dtype=object)).str[-6:]
    codes, uniques = pd.factorize(ends)
    table = np.array([_offset_minutes(str(u)) for u in uniques], dtype=float)
    minutes = table[codes] if len(codes) else np.array([], dtype=float)
    has = ~np.isnan(minutes) & ~pd.isna(utc)
    return infer_zone(pd.Series(utc[has]), minutes[has].astype(int))


def _offset_minutes(end: str) -> float:
    found = _OFFSET.search(end.strip())
    if found is None:
        return float("nan")
    if found.group(1):
        return 0.0
    sign = -1 if found.group(2) == "-" else 1
    return float(sign * (int(found.group(3)) * 60 + int(found.group(4))))


def _fromiso(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _convert(tag: str, values: Any, fail: Any) -> Any:
    """Raw values of one (key, type) as a NumPy array of that type."""
    if tag == "date":
        return _dates(values, fail)
    if tag == "int":
        try:
            return np.asarray(values, dtype=np.int64)
        except OverflowError:  # beyond 64 bits: Python ints, as pandas keeps them
            obj = np.empty(len(values), dtype=object)
            obj[:] = values
            return obj
    if tag == "float":
        return np.asarray(values, dtype=np.float64)
    if tag == "boolean":
        return np.asarray(values, dtype=bool)
    obj = np.empty(len(values), dtype=object)
    obj[:] = values
    return obj


def _typed(tag: str, rows: Any, values: Any, n: int, fail: Any) -> Any:
    """One column of a single type, missing rows as pandas gives them (module docs)."""
    data = _convert(tag, values, fail)
    if len(data) == n:
        if tag == "date":
            return pd.DatetimeIndex(data).tz_localize("UTC")
        return pd.Series(data) if tag in ("string", "id") else data
    idx = np.asarray(rows, dtype=np.int64)
    if tag == "date":
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        out[idx] = data
        return pd.DatetimeIndex(out).tz_localize("UTC")
    if tag in ("int", "float"):
        out = np.full(n, np.nan)
        out[idx] = data
        return out
    out = np.full(n, np.nan, dtype=object)
    out[idx] = data
    return pd.Series(out) if tag in ("string", "id") else out


def _mixed(parts: list[tuple[str, Any, Any]], n: int, fail: Any) -> pd.Series:
    """A key written with several types: the converted values, as pandas infers them."""
    out = np.full(n, np.nan, dtype=object)
    for tag, rows, values in parts:
        data = _convert(tag, values, fail)
        if tag == "date":
            data = pd.DatetimeIndex(data).tz_localize("UTC").to_numpy(dtype=object)
        out[np.asarray(rows, dtype=np.int64)] = list(data)
    return pd.Series(list(out))


def _line_of(path: Path, tag: str, key: str, value: str) -> int | None:
    """The line of the first ``<tag key=key value=value>`` (only to name an error)."""
    from lxml import etree

    with _open(path) as fh:
        for _, elem in etree.iterparse(
            fh,
            events=("end",),
            tag=f"{{*}}{tag}",
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        ):
            if elem.get("key") == key and elem.get("value") == value:
                return int(elem.sourceline)
            elem.clear(keep_tail=False)
    return None
