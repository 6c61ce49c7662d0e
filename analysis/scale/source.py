"""Open canonical Parquet logs in DuckDB, out of core: one file, a folder, a glob.

The scale engine (:mod:`analysis.scale`) reads **canonical** Parquet: the
columns of :mod:`analysis.schema`, lifecycle already paired, the set-aside rows
already set aside, as written by ``odsc convert`` (which runs
:func:`analysis.logs.read_log` once and writes a hive-partitioned folder).
Nothing is loaded into memory here: :func:`open_log` registers a DuckDB view
``log`` over the files, checks what it can check without reading every row
twice, and returns a :class:`ScaleLog` naming what the log holds.

The row order of the files (file by file, in sorted path order, then row by
row) breaks ties between events of a case with the same times, as the order of
the rows does for :func:`analysis.logs.read_log`.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "y"]}).to_parquet(folder / "part-0.parquet")
>>> con, log = open_log(folder)
>>> log.events, log.has_start, log.has_resource
(2, False, False)
>>> con.execute("SELECT count(*) FROM log").fetchall()[0][0]
2
"""

from __future__ import annotations

import glob as globbing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    LogError,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import numpy as np

__all__ = ["ScaleLog", "arrays", "connect", "open_log", "parquet_files", "quote"]

#: Canonical columns the engine reads when a log has them (short SQL name: log column).
_OPTIONAL = {"start": START, "resource": RESOURCE, "door": DOOR, "present": PRESENT}


@dataclass(frozen=True)
class ScaleLog:
    """What a canonical Parquet log holds (nothing of it is in memory).

    Attributes
    ----------
    files : tuple of str
        The Parquet files, in the order their rows are read.
    name : str
        The name used in messages (the folder, file or glob as given).
    columns : tuple of str
        The log's columns (hive partition keys included).
    events : int
        How many rows.
    has_start, has_resource, has_door, has_present, has_arrival : bool
        Whether the optional canonical columns are there (``has_start``: with
        at least one known start).
    where : str or None
        The SQL condition keeping part of the log (one bucket of cases).
    """

    files: tuple[str, ...]
    name: str
    columns: tuple[str, ...]
    events: int
    has_start: bool
    has_resource: bool
    has_door: bool
    has_present: bool
    has_arrival: bool
    where: str | None = None


def quote(name: str) -> str:
    """A column name as a DuckDB identifier.

    Examples
    --------
    >>> quote("case:concept:name")
    '"case:concept:name"'
    """
    return '"' + name.replace('"', '""') + '"'


def arrays(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays, read through Arrow.

    For results of one row per case: ``.df()`` makes a Python string of every
    text value on the way to pandas, which cost 0.5 to 1 s per million cases
    where Arrow and its conversion of the one text column take a third of
    that. A text column is an object array of ``str``, a numeric column with
    NULLs a float array with NaN (as ``.df()`` gives them).

    Examples
    --------
    >>> out = arrays(connect(), "SELECT 'a' AS k, CAST(NULL AS BIGINT) AS n")
    >>> out["k"].tolist(), out["n"].tolist()
    (['a'], [nan])
    """
    table = con.sql(sql).to_arrow_table()
    return {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}


def parquet_files(source: str | os.PathLike[str]) -> tuple[tuple[str, ...], str]:
    """The Parquet files of a file, a folder (searched recursively) or a glob, sorted.

    Raises
    ------
    LogError
        One line naming the path when it holds no Parquet file.

    Examples
    --------
    >>> parquet_files("no/such/folder")
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: no/such/folder: no such file or folder
    """
    text = os.fspath(source)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        files = sorted(globbing.glob(text, recursive=True))
        if not files:
            raise LogError(f"{text}: the pattern matches no file")
    elif path.is_dir():
        files = sorted(str(p) for p in path.rglob("*.parquet") if p.is_file())
        if not files:
            raise LogError(f"{text}: the folder holds no .parquet file")
    elif path.is_file():
        files = [text]
    else:
        raise LogError(f"{text}: no such file or folder")
    wrong = [f for f in files if not f.lower().endswith(".parquet")]
    if wrong:
        raise LogError(f"{wrong[0]}: not a .parquet file (the scale engine reads Parquet)")
    return tuple(files), text


def connect(
    *, memory_limit: str | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that spills to a temporary folder when short of memory.

    Examples
    --------
    >>> connect(threads=1).execute("SELECT 42").fetchall()[0][0]
    42
    """
    import duckdb

    config: dict[str, Any] = {"preserve_insertion_order": False}
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    if threads is not None:
        config["threads"] = int(threads)
    return duckdb.connect(":memory:", config=config)


def open_log(
    source: str | os.PathLike[str],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    where: str | None = None,
) -> tuple[duckdb.DuckDBPyConnection, ScaleLog]:
    """Register the view ``log`` over a canonical Parquet log and describe it.

    Parameters
    ----------
    source : str or path
        A ``.parquet`` file, a folder of them (hive partitions such as
        ``centre=X/month=2024-01/`` become columns) or a glob.
    con : duckdb connection, optional
        Where to register the view (a new :func:`connect` by default).
    where : str, optional
        An SQL condition on the log's columns keeping part of it (the Dask
        runner keeps one hash bucket of cases per task).

    Returns
    -------
    (connection, ScaleLog)
        The view ``log`` has the log's columns plus ``odsc_rid`` (the
        reading order, a BIGINT).

    Raises
    ------
    LogError
        No Parquet files, a required column missing, a column of the wrong
        type, a missing case, activity or completion time (naming file and
        row), or lifecycle rows that were not paired.
    """
    files, name = parquet_files(source)
    con = con if con is not None else connect()
    listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    scan = (
        f"read_parquet([{listing}], hive_partitioning = true, union_by_name = true, "
        "filename = 'odsc_file', file_row_number = true)"
    )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except Exception as exc:  # duckdb raises its own types for unreadable files
        raise LogError(f"{name}: cannot read as Parquet ({str(exc).splitlines()[0]})") from None
    types = {row[0]: str(row[1]) for row in described}
    for col in (CASE, ACTIVITY, TIMESTAMP):
        if col not in types:
            found = ", ".join(c for c in types if c not in ("odsc_file", "file_row_number"))
            raise LogError(
                f"{name}: no column {col!r} (the scale engine reads canonical Parquet, "
                f"e.g. written by odsc convert; columns: {found})"
            )
    for col in (TIMESTAMP, START, ARRIVAL):
        if col in types and not types[col].startswith("TIMESTAMP"):
            raise LogError(f"{name}: column {col!r} is {types[col]}, not a timestamp")
    # A file's position in the listing and its row number give one reading order.
    order = ", ".join(f"('{f.replace(chr(39), chr(39) * 2)}', {i})" for i, f in enumerate(files))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE odsc_files(name VARCHAR, k BIGINT); "
        f"INSERT INTO odsc_files VALUES {order}"
    )
    keep = f"WHERE {where}" if where else ""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW odsc_raw AS SELECT s.* EXCLUDE (odsc_file, file_row_number), "
        "f.k * 4294967296 + s.file_row_number AS odsc_rid "
        f"FROM {scan} AS s JOIN odsc_files AS f ON f.name = s.odsc_file {keep}"
    )
    # read_log's rule: the agency is "unknown" where the log names none.
    agency = "" if AGENCY in types else f", 'unknown' AS {quote(AGENCY)}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW log AS SELECT *{agency} FROM odsc_raw")
    _check_values(con, name, files)
    if LIFECYCLE in types:
        open_rows = con.execute(
            f"SELECT count(*) FROM log WHERE lower({quote(LIFECYCLE)}) NOT IN ('complete')"
        ).fetchall()[0][0]
        if open_rows:
            raise LogError(
                f"{name}: {open_rows} rows have a {LIFECYCLE} other than complete; pair "
                "start and complete rows first (odsc convert does)"
            )
    counts = con.execute(
        "SELECT count(*)"
        + (f", count({quote(START)})" if START in types else ", 0")
        + (f", count({quote(RESOURCE)})" if RESOURCE in types else ", 0")
        + " FROM log"
    ).fetchall()[0]
    log = ScaleLog(
        files=files,
        name=name,
        columns=tuple(c for c in types if c not in ("odsc_file", "file_row_number")),
        events=int(counts[0]),
        has_start=bool(counts[1]),
        has_resource=bool(counts[2]),
        has_door=DOOR in types,
        has_present=PRESENT in types,
        has_arrival=ARRIVAL in types,
        where=where,
    )
    return con, log


def _check_values(con: duckdb.DuckDBPyConnection, name: str, files: tuple[str, ...]) -> None:
    """One line naming the first row without a case, activity or completion time."""
    for col in (CASE, ACTIVITY, TIMESTAMP):
        row = con.execute(
            f"SELECT odsc_rid FROM log WHERE {quote(col)} IS NULL ORDER BY odsc_rid LIMIT 1"
        ).fetchall()
        if row:
            row = row[0]
            rid = int(row[0])
            file = files[rid >> 32]
            raise LogError(f"{file}: row {(rid & 0xFFFFFFFF) + 1}: no {col}")
