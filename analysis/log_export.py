"""Write a canonical log as a (hive-partitioned) Parquet folder.

:func:`write_parquet_folder` writes what :func:`analysis.logs.read_log` returned
(columns mapped, lifecycle paired, times in UTC) with
:func:`pyarrow.dataset.write_dataset`, so that a big XES or CSV file is read
and checked once, and the folder is read again quickly by ``read_log``
(:mod:`analysis.log_sources`) or a DuckDB engine.

Rules decided here:

* **What is written** is the log as read: ids are *not* pseudonymised
  (``read_log`` does not pseudonymise; reports do, when they are written), so
  the folder is as sensitive as the original file.
* **The clock survives.** Times are stored as instants in the log's own zone
  (``log.attrs["odsc:zone"]``, e.g. ``CET``), so reading the folder back finds
  the same clock and gives the same hours, weekdays and visits. The reader's
  set-aside counts are stored in the files' metadata
  (:data:`analysis.log_sources.META_KEY`) and added to those of the next read,
  so a report on the folder says what the reader dropped from the original.
* **Partitions.** Each ``partition_by`` column becomes a folder level
  ``column=value`` (values URI-encoded; a missing value is
  ``__HIVE_DEFAULT_PARTITION__`` and reads back as missing). Read back, a
  partition column is text and comes after the file's columns. At most
  :data:`MAX_PARTITIONS` folders are made; more are refused before writing.
* **Never half written.** The folder is written beside the target under a
  temporary name and renamed into place at the end. A non-empty target is
  refused unless ``force``, which replaces it and all it holds; a target
  holding the input file is always refused.
* Row order: the log's order (by case, then time) is kept within each file.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.logs import read_log
>>> log = read_log(pd.DataFrame({"case:concept:name": ["a", "a", "b"],
...                              "concept:name": ["apply", "pay", "apply"],
...                              "time:timestamp": ["2024-01-02 08:00", "2024-01-02 09:00",
...                                                 "2024-01-03 08:00"],
...                              "org:group": ["DOLA", "Tax", "DOLA"]}))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "log"
>>> files = write_parquet_folder(log, out, partition_by=["org:group"])
>>> sorted(f.relative_to(out).as_posix() for f in files)
['org:group=DOLA/part-0.parquet', 'org:group=Tax/part-0.parquet']
>>> back = read_log(out)
>>> back[["case:concept:name", "concept:name", "org:group"]].values.tolist()
[['a', 'apply', 'DOLA'], ['a', 'pay', 'Tax'], ['b', 'apply', 'DOLA']]
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from analysis.log_sources import META_KEY
from analysis.schema import ARRIVAL, START, TIMESTAMP, LogError
from analysis.timezones import ZONE_ATTR

__all__ = ["MAX_PARTITIONS", "check_target", "write_parquet_folder"]

#: The most partition folders one conversion may make.
MAX_PARTITIONS = 4096


def write_parquet_folder(
    log: pd.DataFrame,
    folder: str | PathLike[str],
    *,
    partition_by: Sequence[str] = (),
    force: bool = False,
    inputs: Sequence[str | PathLike[str]] = (),
) -> tuple[Path, ...]:
    """Write ``log`` as Parquet files under ``folder``, partitioned by columns.

    Parameters
    ----------
    log : pandas.DataFrame
        A log in the canonical schema (from :func:`analysis.logs.read_log`).
    folder : str or path
        The folder to write; created, or replaced with ``force``.
    partition_by : sequence of str
        Columns whose values become folder levels ``column=value``, in order.
    force : bool
        Replace a folder that is not empty (and everything in it).
    inputs : sequence of paths
        Files the log was read from: a folder holding one is never replaced.

    Returns
    -------
    tuple of Path
        The files written, under ``folder``.

    Raises
    ------
    LogError
        A partition column the log lacks (the message lists the log's
        columns), a repeated one, too many partitions, a non-empty folder
        without ``force``, a folder holding an input, a column Parquet cannot
        hold; nothing is written then.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    target = Path(folder)
    keys = list(partition_by)
    _check_keys(log, keys)
    check_target(target, force=force, inputs=inputs)
    frame = _in_own_clock(log)
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise LogError(f"{target}: the log cannot be written as Parquet ({exc})") from exc
    del frame
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({"set_aside": dict(log.attrs.get("odsc:set_aside", {}))}).encode()
    table = table.replace_schema_metadata(meta)
    parts = None
    if keys:
        groups = log.groupby(keys, dropna=False, sort=False).ngroups
        if groups > MAX_PARTITIONS:
            raise LogError(
                f"--partition-by {' '.join(keys)}: would make {groups:,} folders; at most "
                f"{MAX_PARTITIONS:,} (partition by a column with fewer values, e.g. centre or month)"
            )
        parts = ds.partitioning(table.select(keys).schema, flavor="hive")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    written: list[str] = []
    try:
        ds.write_dataset(
            table, work, format="parquet", partitioning=parts, basename_template="part-{i}.parquet",
            preserve_order=True, max_partitions=MAX_PARTITIONS, existing_data_behavior="overwrite_or_ignore",
            file_visitor=lambda f: written.append(f.path),
        )  # fmt: skip
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return tuple(sorted(target / Path(p).relative_to(work) for p in written))


def _check_keys(log: pd.DataFrame, keys: list[str]) -> None:
    cols = [str(c) for c in log.columns]
    for key in keys:
        if key not in cols:
            raise LogError(
                f"--partition-by: the log has no column {key!r}; columns: {', '.join(cols)}"
            )
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise LogError(f"--partition-by: column {twice[0]!r} is given twice")
    if len(keys) == len(cols):
        raise LogError("--partition-by: every column would be a folder; leave some in the files")


def check_target(
    folder: str | PathLike[str], *, force: bool = False, inputs: Sequence[str | PathLike[str]] = ()
) -> None:
    """Refuse a target folder :func:`write_parquet_folder` would refuse, before any work.

    Raises
    ------
    LogError
        ``folder`` is a file, holds (or is) one of ``inputs``, or is not empty
        and ``force`` is not given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "log.csv").write_text("x")
    >>> check_target(d, force=True, inputs=[d / "log.csv"])
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: ...: holds the input .../log.csv; write the Parquet files elsewhere
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise LogError(f"{target}: is a file; give a folder to write the Parquet files in")
    for given in inputs:
        src = Path(given).resolve()
        if src == target.resolve() or target.resolve() in src.parents:
            raise LogError(f"{target}: holds the input {given}; write the Parquet files elsewhere")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise LogError(
            f"{target}: the folder is not empty; give an empty or new folder, or --force"
        )


def _in_own_clock(log: pd.DataFrame) -> pd.DataFrame:
    """The log with its times as instants of its own zone (so the clock is kept)."""
    zone = log.attrs.get(ZONE_ATTR)
    frame = log.copy(deep=False)
    frame.attrs = {}
    if zone:
        for col in (TIMESTAMP, START, ARRIVAL):
            if col in frame.columns and isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_convert(zone)
    return frame
