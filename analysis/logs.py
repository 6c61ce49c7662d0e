"""Read event logs (CSV, XES, Parquet files or folders, a DataFrame) into the canonical schema.

:func:`read_log` maps a real log, whatever its column names and shape, onto the
schema of :mod:`analysis.schema`, or raises a :class:`~analysis.schema.LogError`
whose message is one line naming the file and the row or column at fault.

Rules decided here:

* **Row numbers** in messages are the file's line numbers for CSV (the header
  is line 1, the first event line 2; a quoted field spanning several lines
  shifts later numbers) and 1-based record numbers ("row") otherwise.
* **Time zones.** Timestamps with a UTC offset (``+02:00``, ``Z``) are converted
  to UTC, so mixed offsets are fine. Naive timestamps are read in the IANA zone
  ``tz`` (e.g. ``"Asia/Vientiane"``); without ``tz`` they are taken to be UTC
  already. In a daylight-saving change, an ambiguous wall-clock time is taken as
  standard time and a non-existent one is moved forward. The log's own clock
  (``tz`` when given, else the zone its offsets were written in; rules in
  :mod:`analysis.timezones`) is stored in ``log.attrs["odsc:zone"]`` (``None``
  for UTC): opening hours, weekly profiles and visits are read in it.
* **Lifecycle pairing.** When the log has a ``lifecycle:transition`` column with
  ``start`` rows (and no ``start`` column was named), start, complete, suspend
  and resume rows become one event each, by the rules of
  :mod:`analysis.lifecycle`; other transitions are ignored.
* **Set aside, never rejected.** Rows that cannot be used as they are
  (duplicates, starts that never complete, completes without a start, starts
  after their completion, ...: :data:`analysis.lifecycle.KINDS`) are set
  aside with one :class:`UserWarning` per kind naming the count and a few
  rows; the counts are in ``log.attrs["odsc:set_aside"]`` (kind -> count).
  An event whose start is missing or set aside keeps its completion.
  ``strict=True`` raises a :class:`LogError` instead.
* **Missing values**: values listed in ``missing`` (``EMPTY`` by default) and
  empty cells count as missing. A missing agency becomes ``unknown``; a missing
  ``odsc:citizen_present`` becomes ``False``; a missing case id, activity or
  timestamp is an error.
* When an optional column is not named but the input already has it under its
  canonical name (``start_timestamp``, ``org:resource``, ``org:group``,
  ``odsc:door``, ``odsc:citizen_present``), it is used; a column named
  explicitly replaces an input column of the canonical name (e.g.
  ``agency="department"`` drops an existing ``org:group``). An
  ``odsc:arrival`` column is parsed to UTC like the timestamps.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({
...     "case": ["c1", "c1", "c1", "c1"],
...     "step": ["intake", "intake", "review", "review"],
...     "lifecycle:transition": ["start", "complete", "start", "complete"],
...     "when": ["2024-03-04 08:00", "2024-03-04 08:10",
...              "2024-03-04 09:00", "2024-03-04 09:30"],
...     "department": ["DOLA", "DOLA", "EMPTY", "EMPTY"],
... })
>>> log = read_log(raw, case="case", activity="step", timestamp="when",
...                agency="department", tz="Asia/Vientiane")
>>> log[["concept:name", "start_timestamp", "time:timestamp", "org:group"]]
  concept:name           start_timestamp            time:timestamp org:group
0       intake 2024-03-04 01:00:00+00:00 2024-03-04 01:10:00+00:00      DOLA
1       review 2024-03-04 02:00:00+00:00 2024-03-04 02:30:00+00:00   unknown
"""

from __future__ import annotations

import codecs
import difflib
import zoneinfo
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.lifecycle import (
    INSTANCE,
    SetAside,
    _drop_duplicates,
    _drop_late_starts,
    _report,
    pair_lifecycle,
)
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    LIFECYCLE,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
    LogError,
)
from analysis.timezones import ZONE_ATTR, source_zone
from analysis.xes_stream import WRITTEN_ZONE

__all__ = ["SET_ASIDE", "SUFFIXES", "read_log"]

#: The key of ``log.attrs`` holding the set-aside counts (a dict kind -> count).
SET_ASIDE = "odsc:set_aside"

#: File name endings :func:`read_log` understands, and the reader each one uses.
SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".txt": "csv",
    ".xes": "xes",
    ".xes.gz": "xes",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_ROW = "__row__"  # internal: the line/record number of each input row
_SHOW = 3  # how many bad values or rows a message quotes


def read_log(
    source: str | PathLike[str] | pd.DataFrame,
    *,
    case: str = CASE,
    activity: str = ACTIVITY,
    timestamp: str = TIMESTAMP,
    start: str | None = None,
    resource: str | None = None,
    agency: str | None = None,
    door: str | None = None,
    present: str | None = None,
    lifecycle: str | None = LIFECYCLE,
    tz: str | None = None,
    missing: Sequence[str] = ("EMPTY",),
    sep: str = ",",
    encoding: str = "utf-8",
    strict: bool = False,
) -> pd.DataFrame:
    """Read an event log and return it in the canonical schema.

    Parameters
    ----------
    source : str, path or pandas.DataFrame
        A ``.csv`` (or ``.csv.gz``), ``.xes`` (or ``.xes.gz``) or ``.parquet``
        file; a folder or a glob pattern of Parquet files, hive partitions
        becoming text columns (rules: :mod:`analysis.log_sources`); or a
        DataFrame (never modified). XES is read by the streaming reader of
        :mod:`analysis.xes_stream`.
    case, activity, timestamp : str
        Input columns holding the case id, the activity and the completion time.
    start : str, optional
        Input column holding the start time of each event.
    resource, agency, door, present : str, optional
        Input columns holding the clerk, the agency (silo), the physical office
        and whether the citizen had to be present.
    lifecycle : str or None
        The lifecycle column used to pair start and complete rows; ``None``
        disables pairing.
    tz : str, optional
        IANA time zone of naive timestamps; without it they are taken as UTC.
    missing : sequence of str
        Placeholders that mean "missing" in text columns.
    sep : str
        CSV field separator.
    encoding : str
        Text encoding of a CSV file.
    strict : bool
        Raise a :class:`LogError` instead of setting rows aside (see the
        module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``case:concept:name``, ``concept:name`` (str),
        ``time:timestamp`` (UTC), ``org:group`` (str, ``unknown`` where
        missing), then ``start_timestamp``, ``org:resource``, ``odsc:door``,
        ``odsc:citizen_present`` when known, then the input's other columns;
        sorted by case, then time; a fresh RangeIndex. ``attrs["odsc:set_aside"]``
        counts the rows set aside, by kind.

    Raises
    ------
    LogError
        A missing file, an unsupported extension, text that is not valid
        UTF-8, a missing column, an unparseable or missing timestamp, an empty
        log; with ``strict``, any set-aside row. One line, naming file and row.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"case:concept:name": ["a", "a"],
    ...                     "concept:name": ["apply", "pay"],
    ...                     "time:timestamp": ["2024-01-02T10:00:00+07:00",
    ...                                        "2024-01-02T04:00:00Z"]})
    >>> log = read_log(raw)
    >>> log["time:timestamp"].tolist()
    [Timestamp('2024-01-02 03:00:00+0000', tz='UTC'), Timestamp('2024-01-02 04:00:00+0000', tz='UTC')]
    >>> log["org:group"].tolist()
    ['unknown', 'unknown']
    >>> read_log(raw, agency="org:grop")
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: DataFrame: no column 'org:grop' for agency; columns: case:concept:name, concept:name, time:timestamp
    """
    names = (case, activity, timestamp, start, resource, agency, door, present, lifecycle)
    text_columns = {c for c in names if c} | {START, RESOURCE, AGENCY, DOOR, PRESENT, ARRIVAL}
    raw, name, unit = _load(source, sep=sep, encoding=encoding, text_columns=text_columns)
    _check_zone(name, tz)
    cols = list(raw.columns)
    # Optional columns default to their canonical name when the input has it.
    options = {"start": start, "resource": resource, "agency": agency}
    options |= {"door": door, "present": present}
    canon = {"start": START, "resource": RESOURCE, "agency": AGENCY}
    canon |= {"door": DOOR, "present": PRESENT}
    for key, value in options.items():
        if value is None and canon[key] in cols:
            options[key] = canon[key]
    wanted = {"case": case, "activity": activity, "timestamp": timestamp}
    wanted |= {k: v for k, v in options.items() if v is not None}
    _check_columns(name, cols, wanted)
    if raw.empty:
        raise LogError(f"{name}: the log has no events")

    target = {"case": CASE, "activity": ACTIVITY, "timestamp": TIMESTAMP} | canon
    mapping = {src: target[key] for key, src in wanted.items()}
    life = lifecycle if lifecycle is not None and lifecycle in cols else None

    # Build the output from new Series: the input frame is never modified.
    out = pd.DataFrame(index=raw.index)
    out[_ROW] = np.arange(2 if unit == "line" else 1, len(raw) + (2 if unit == "line" else 1))
    for key, src in wanted.items():
        out[target[key]] = raw[src]
    extras = [c for c in cols if c not in mapping and c not in out.columns]
    for c in extras:
        out[c] = raw[c]
    out = out.reset_index(drop=True)

    for col in (CASE, ACTIVITY, AGENCY, RESOURCE, DOOR):
        if col in out.columns:
            out[col] = _as_text(out[col], missing)
    if life is not None:
        out[life] = _as_text(out[life], missing).str.lower()
    for col in (CASE, ACTIVITY):
        _require_values(out, col, name, unit)
    written = out[TIMESTAMP]
    for col in (TIMESTAMP, START, ARRIVAL):
        if col in out.columns:
            out[col] = _parse_times(out, col, name, unit, tz, required=col == TIMESTAMP)
    if not tz and WRITTEN_ZONE in raw.attrs:  # the XES reader read the offsets as written
        zone = raw.attrs[WRITTEN_ZONE]
    else:
        zone = source_zone(source, written, tz)
    if PRESENT in out.columns:
        out[PRESENT] = _parse_bool(out, name, unit, missing)

    aside: list[SetAside] = []
    out = _drop_duplicates(out, [CASE, ACTIVITY, TIMESTAMP, START, RESOURCE, life], _ROW, aside)
    if life is not None and "start" not in wanted and out[life].eq("start").any():
        pairing = pair_lifecycle(out, lifecycle=life, instance=INSTANCE, row=_ROW)
        out = pairing.events
        aside += pairing.set_aside
    elif life is not None:
        is_complete = out[life].isna() | out[life].eq("complete")
        out = out.loc[is_complete.to_numpy()]
    if out.empty:
        raise LogError(f"{name}: the log has no completed events")
    if START in out.columns:
        out = _drop_late_starts(out, _ROW, aside)
    _report(aside, name, unit, strict=strict)

    if AGENCY not in out.columns:
        out[AGENCY] = UNKNOWN_AGENCY
    out[AGENCY] = out[AGENCY].fillna(UNKNOWN_AGENCY)
    sort_keys = [CASE, TIMESTAMP] + ([START] if START in out.columns else []) + [_ROW]
    out = out.sort_values(sort_keys, kind="stable", na_position="first")
    first = [CASE, ACTIVITY, TIMESTAMP, AGENCY, START, RESOURCE, DOOR, PRESENT]
    order = [c for c in first if c in out.columns]
    order += [c for c in out.columns if c not in order and c != _ROW]
    result = out[order].reset_index(drop=True)
    counts = {a.kind: a.count for a in aside}
    for kind, n in raw.attrs.get("odsc:stored_set_aside", {}).items():  # odsc convert kept them
        counts[kind] = counts.get(kind, 0) + n
    result.attrs[SET_ASIDE] = counts
    result.attrs[ZONE_ATTR] = zone
    return result


# --------------------------------------------------------------------------- loading


def _load(
    source: str | PathLike[str] | pd.DataFrame, *, sep: str, encoding: str, text_columns: set[str]
) -> tuple[pd.DataFrame, str, str]:
    """Return the raw frame, the name used in messages and the row unit."""
    if isinstance(source, pd.DataFrame):
        # a frame made from a file (an OCEL flattened by analysis.ocel) keeps the file's name
        return source, str(source.attrs.get("odsc:name", "DataFrame")), "row"
    from analysis.log_sources import (
        STORED_ATTR,
        read_parquet_source,
        resolve_source,
        stored_set_aside,
    )

    found = resolve_source(source)  # a file, a folder or a pattern (analysis.log_sources)
    name = found.name
    if not found.single:
        if found.kind != "parquet":
            raise LogError(
                f"{name}: {len(found.files)} {found.kind} files; only Parquet files are read "
                "as one log from a folder or pattern (convert each with odsc convert)"
            )
        return read_parquet_source(found), name, "row"
    path = found.files[0]
    if found.kind == "csv":
        return _read_csv(path, sep=sep, encoding=encoding, text=text_columns), name, "line"
    if found.kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise LogError(f"{name}: not a readable Parquet file ({_one_line(exc)})") from exc
        frame.attrs[STORED_ATTR] = stored_set_aside(found.files)
        return frame, name, "row"
    return _read_xes(path), name, "row"


def _read_csv(path: Path, *, sep: str, encoding: str, text: set[str]) -> pd.DataFrame:
    name = path.name
    try:
        # The schema's columns are read as text (the reader parses times itself
        # so it can say which rows are bad); only empty cells are missing.
        # Other columns keep pandas' type inference.
        dtype = dict.fromkeys(text, str)
        return pd.read_csv(path, sep=sep, encoding=encoding, dtype=dtype, keep_default_na=False,
                           na_values=[""], low_memory=False)  # fmt: skip
    except UnicodeDecodeError as exc:
        offset, line = _decode_error_position(path, encoding)
        raise LogError(
            f"{name}: not valid {encoding} text at byte offset {offset} (line {line}): "
            f"{exc.reason}; re-save the file as {encoding} or pass its encoding"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise LogError(f"{name}: the log has no events (the file is empty)") from exc
    except pd.errors.ParserError as exc:
        raise LogError(f"{name}: not a readable CSV file ({_one_line(exc)})") from exc
    except LookupError as exc:
        raise LogError(f"{name}: unknown encoding {encoding!r}") from exc


def _decode_error_position(path: Path, encoding: str) -> tuple[int, int]:
    """Byte offset and 1-based line of the first undecodable byte of a file.

    Streams the file through an incremental decoder, so a large file is never
    held in memory twice.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold back the incomplete tail of the previous
                # chunk; its error offset is relative to that buffer.
                held = len(exc.object) - len(chunk)
                bad = offset - held + exc.start
                return bad, lines + chunk[: max(exc.start - held, 0)].count(b"\n")
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset, lines
    return offset, lines


def _read_xes(path: Path) -> pd.DataFrame:
    # A streaming reader giving pm4py.read_xes's frame (rules: analysis.xes_stream).
    from analysis.xes_stream import read_xes

    log = read_xes(path)
    if log.empty:
        raise LogError(f"{path.name}: the log has no events (no <event> in any <trace>)")
    return log


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --------------------------------------------------------------------------- checks


def _check_columns(name: str, cols: list[str], wanted: dict[str, str]) -> None:
    absent = [(key, col) for key, col in wanted.items() if col not in cols]
    if not absent:
        return
    parts = []
    for key, col in absent:
        near = difflib.get_close_matches(col, [str(c) for c in cols], n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        parts.append(f"no column {col!r} for {key}{hint}")
    shown = ", ".join(str(c) for c in cols[:25]) + (", ..." if len(cols) > 25 else "")
    raise LogError(f"{name}: {'; '.join(parts)}; columns: {shown}")


def _rows_text(out: pd.DataFrame, mask: np.ndarray, unit: str) -> str:
    return _numbers_text(out[_ROW].to_numpy()[mask], unit)


def _numbers_text(rows: np.ndarray, unit: str) -> str:
    """``line 3`` or ``lines 3, 5, 9 and 4 more``."""
    shown = ", ".join(str(int(r)) for r in rows[:_SHOW])
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    plural = "s" if len(rows) > 1 else ""
    return f"{unit}{plural} {shown}{more}"


def _check_zone(name: str, tz: str | None) -> None:
    if tz is None:
        return
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise LogError(
            f"{name}: unknown time zone {tz!r} (use an IANA name such as 'Asia/Vientiane')"
        ) from exc


def _require_values(out: pd.DataFrame, col: str, name: str, unit: str) -> None:
    mask = out[col].isna().to_numpy()
    if mask.any():
        raise LogError(f"{name}: empty {col} at {_rows_text(out, mask, unit)}")


# --------------------------------------------------------------------------- values


def _as_text(values: pd.Series, missing: Sequence[str]) -> pd.Series:
    """Values as str, with blanks and the ``missing`` placeholders as NaN."""
    text = values.astype("str").where(values.notna())
    text = text.str.strip()
    return text.mask(text.isin(list(missing)) | text.eq(""))


def _parse_bool(out: pd.DataFrame, name: str, unit: str, missing: Sequence[str]) -> pd.Series:
    values = out[PRESENT]
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool)
    text = _as_text(values, missing).str.lower().fillna("")
    is_true, is_false = text.isin(_TRUE), text.isin(_FALSE)
    bad = ~(is_true | is_false).to_numpy()
    if bad.any():
        quoted = ", ".join(repr(v) for v in text[bad].unique()[:_SHOW])
        raise LogError(
            f"{name}: {PRESENT} must be true or false, got {quoted} at {_rows_text(out, bad, unit)}"
        )
    return pd.Series(is_true.to_numpy(), index=out.index)


def _parse_times(
    out: pd.DataFrame, col: str, name: str, unit: str, tz: str | None, *, required: bool
) -> pd.Series:
    values = out[col]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = _localize(values, tz, name)
    else:
        parsed = _parse_text_times(values.astype("str").where(values.notna()), tz, name)
    given = values.notna().to_numpy().copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        given &= values.astype("str").str.strip().ne("").to_numpy(dtype=bool, na_value=False)
    bad = given & parsed.isna().to_numpy()
    if bad.any():
        quoted = ", ".join(repr(str(v)) for v in values[bad].unique()[:_SHOW])
        raise LogError(
            f"{name}: unparseable {col} at {_rows_text(out, bad, unit)} (values: {quoted})"
        )
    if required and not given.all():
        raise LogError(f"{name}: empty {col} at {_rows_text(out, ~given, unit)}")
    _check_range(parsed, values, out, col, name, unit)
    return parsed.dt.as_unit("ns")


def _check_range(
    parsed: pd.Series, values: pd.Series, out: pd.DataFrame, col: str, name: str, unit: str
) -> None:
    """Refuse times outside what pandas holds in nanoseconds (years 1678 to 2261)."""
    low, high = (pd.Timestamp(t, tz="UTC") for t in (pd.Timestamp.min, pd.Timestamp.max))
    outside = ((parsed < low) | (parsed > high)).to_numpy(dtype=bool, na_value=False)
    if outside.any():
        quoted = ", ".join(repr(str(v)) for v in values[outside].unique()[:_SHOW])
        raise LogError(
            f"{name}: {col} out of range at {_rows_text(out, outside, unit)} (values: {quoted}); "
            "times must lie between the years 1678 and 2261"
        )


def _parse_text_times(text: pd.Series, tz: str | None, name: str) -> pd.Series:
    """Parse timestamps written as text; aware ones to UTC, naive ones in ``tz``."""
    text = text.str.strip()
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False).to_numpy()
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    if aware.any():
        result[aware] = _to_datetime(text[aware], utc=True)
    if (~aware).any():
        naive = _to_datetime(text[~aware], utc=False)
        result[~aware] = _localize(naive, tz, name)
    return result


def _to_datetime(text: pd.Series, *, utc: bool) -> pd.Series:
    # pandas infers one format from the first value, which is fast. Rows written
    # in another format (e.g. without fractional seconds) are parsed again as
    # ISO 8601 (also fast), and what is left one by one with format="mixed"
    # (slow, but only those rows).
    parsed = pd.to_datetime(text, utc=utc, errors="coerce")
    for fmt in ("ISO8601", "mixed"):
        retry = (parsed.isna() & text.notna()).to_numpy()
        if not retry.any():
            break
        again = pd.to_datetime(text[retry], utc=utc, errors="coerce", format=fmt)
        if parsed.isna().all():
            parsed = parsed.astype(again.dtype)
        parsed[retry] = again
    return parsed


def _localize(naive: pd.Series, tz: str | None, name: str) -> pd.Series:
    if naive.dt.tz is not None:
        return naive.dt.tz_convert("UTC")
    try:
        local = naive.dt.tz_localize(tz or "UTC", ambiguous=False, nonexistent="shift_forward")
    except Exception as exc:  # unknown zone names raise from zoneinfo/pytz
        raise LogError(
            f"{name}: unknown time zone {tz!r} (use an IANA name such as 'Asia/Vientiane')"
        ) from exc
    return local.dt.tz_convert("UTC")


# --------------------------------------------------------------------------- shape
