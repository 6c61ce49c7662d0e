"""Checks on a command's input log file before it is parsed.

:func:`check_log_file` catches, with one line naming the file and the line or
column, what the readers would otherwise accept silently or fail on obscurely:

* a compressed file (``.gz``) that ends early or is damaged: the whole stream
  is decompressed once, without keeping it;
* a CSV header or a Parquet schema that names a column twice (pandas would
  rename the second ``step`` to ``step.1`` and read on).

The length of the names and the number of activities are checked once the
log is read, by :func:`odsc.limits.check_log_size`.

Examples
--------
>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d) / "log.csv"
...     _ = p.write_text("case,step,time,step\\nA,x,2024-01-02 08:00,y\\n")
...     check_log_file(p)
Traceback (most recent call last):
...
journeys.errors.InputError: log.csv: line 1: column 'step' appears twice (columns 2 and 4); rename one
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Sequence
from pathlib import Path

__all__ = ["check_log_file"]

_CHUNK = 1 << 20


def check_log_file(path: str | Path, *, sep: str = ",", encoding: str = "utf-8") -> None:
    """Check a log file's container and header; a missing file is left to the reader.

    Raises
    ------
    journeys.errors.InputError
        A damaged or truncated ``.gz``, or a column named twice.
    """
    p = Path(path)
    if not p.is_file():
        return  # the reader names a missing file or a folder
    lower = p.name.lower()
    if lower.endswith(".gz"):
        _check_gzip(p)
    if lower.endswith((".csv", ".csv.gz", ".txt")):
        _check_csv_header(p, sep=sep, encoding=encoding)
    elif lower.endswith((".parquet", ".pq")):
        _check_parquet_header(p)


def _check_gzip(p: Path) -> None:
    from journeys.errors import InputError

    try:
        with gzip.open(p, "rb") as fh:
            while fh.read(_CHUNK):
                pass
    except EOFError:
        raise InputError(
            f"{p.name}: the compressed data ends early (a truncated download or copy?)"
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise InputError(f"{p.name}: not a readable gzip file ({exc})") from None


def _check_csv_header(p: Path, *, sep: str, encoding: str) -> None:
    from journeys.errors import InputError

    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rt", encoding=encoding, errors="replace", newline="") as fh:
            head = fh.read(_CHUNK)
    except (OSError, LookupError):
        return  # the reader says what is wrong with the encoding or the file
    first = head.split("\n", 1)[0]
    if not first.strip():
        return
    if len(first) >= _CHUNK:
        raise InputError(f"{p.name}: line 1: the header is longer than 1 MB; not an event log")
    try:
        names = next(csv.reader(io.StringIO(first), delimiter=sep))
    except (csv.Error, StopIteration):
        return  # a header the reader will refuse with its own words
    _refuse_twice(p.name, [n.strip() for n in names], "line 1: ")


def _check_parquet_header(p: Path) -> None:
    try:
        import pyarrow.parquet as pq

        names = list(pq.read_schema(p).names)
    except Exception:  # the reader says what is wrong with the file
        return
    _refuse_twice(p.name, names, "")


def _refuse_twice(name: str, columns: Sequence[str], where: str) -> None:
    from journeys.errors import InputError

    seen: dict[str, int] = {}
    for i, col in enumerate(columns, 1):
        if col in seen and col:
            raise InputError(
                f"{name}: {where}column {col!r} appears twice (columns {seen[col]} and {i}); "
                "rename one"
            )
        seen.setdefault(col, i)
