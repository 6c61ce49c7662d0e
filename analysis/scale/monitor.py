"""Indicators per centre and period of a canonical Parquet log, on the scale engine.

:func:`monitor_source` is :func:`analysis.monitor.monitor` (without a
journey) for logs larger than memory: the per-case table that
:func:`analysis.monitor.monitor_cases` builds from the log in pandas is built
here from mergeable partials over the event table ``ev``
(:mod:`analysis.scale.cases`, one row per case, stacked across partitions),
and the table, the movers and their bootstrap are those of
:func:`analysis.monitor.monitor_from_cases` on it. So the result is the one of
``monitor(read_log(...))``: the same cases, the same integer-nanosecond lead
times divided once into minutes, the same notes; ``parts`` (local hash
buckets or a Dask runner, :mod:`analysis.scale.distributed`) does not change it.

Rules decided here:

* a case's centre is the ``by`` value of its first event in completion order
  (``pos = 1``), the first row of the case in :func:`analysis.kpis.event_times`
  order, as in :func:`~analysis.monitor.monitor_cases`;
* no journey, hence no charter: its columns are NaN and the notes say so, as
  for a pandas log given no journey; presence and doors come only from the
  log's ``odsc:citizen_present`` and ``odsc:door`` columns.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> pd.DataFrame({"case:concept:name": ["a", "a", "b", "b", "c", "c"],
...     "concept:name": ["apply", "issue"] * 3,
...     "time:timestamp": t("2024-01-02 08:00", "2024-01-02 10:00", "2024-01-03 08:00",
...                         "2024-01-03 12:00", "2024-02-05 08:00", "2024-02-05 09:00"),
...     "centre": ["X"] * 6}).to_parquet(folder / "log.parquet")
>>> m = monitor_source(folder, by="centre", min_cases=1, parts=2)
>>> m.table[m.table.level == "centre"][["period", "cases", "lead_median_minutes"]]
    period  cases  lead_median_minutes
0  2024-01      2                180.0
1  2024-02      1                 60.0
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.cases import (
    case_kpi_finish,
    case_kpi_partials,
    check_zone,
    ev_columns,
    queue_check,
    queue_partials,
)
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog, connect, open_log, quote
from analysis.schema import UNKNOWN_AGENCY, LogError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from analysis.monitor import Monitor
    from analysis.scale.mine import PartsRunner

__all__ = ["monitor_partials", "monitor_source"]


def monitor_partials(
    log: ScaleLog, *, by: str | None = None, sla_minutes: float = 15.0, tz: str | None = None
) -> list[Partial]:
    """The partials behind :func:`monitor_source`'s per-case table.

    ``case_kpis`` (:func:`analysis.scale.cases.case_kpi_partials`), each
    case's centre (``case_centre``, with ``by``), its desk queues measured
    and within ``sla_minutes`` (``case_queues``, with a presence column) and
    how many events name an agency (``agencies_named``).
    """
    out = case_kpi_partials(log, tz=tz)
    if by is not None:
        sql = f"SELECT ckey, any_value({quote(by)}) FILTER (WHERE pos = 1) AS centre FROM ev GROUP BY ckey"
        out.append(Partial("case_centre", sql, keys=("ckey",), concat=True))
    out += queue_partials(log, sla_minutes=sla_minutes, tz=tz, per_case=True)
    named = f"SELECT count(*) FILTER (WHERE agency <> '{UNKNOWN_AGENCY}') AS named FROM ev"
    out.append(Partial("agencies_named", named, sums=("named",)))
    return out


def monitor_source(
    source: str | os.PathLike[str],
    *,
    by: str | None = None,
    every: str = "month",
    sla_minutes: float = 15.0,
    min_cases: int = 10,
    tz: str | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    memory_limit: str | None = None,
    parts: int | PartsRunner | None = None,
) -> Monitor:
    """Indicators per centre and period of a canonical Parquet log (file, folder or glob).

    Parameters
    ----------
    source : str or path
        Canonical Parquet (as written by ``odsc convert``).
    by, every, sla_minutes, min_cases, tz, seed, n_boot
        As in :func:`analysis.monitor.monitor`.
    memory_limit : str, optional
        DuckDB's memory limit in this process, e.g. ``"2GB"``.
    parts : int or callable, optional
        As in :func:`analysis.scale.mine.mine_source`: hash buckets run one
        after the other, or a runner (:class:`analysis.scale.distributed.DaskParts`).

    Returns
    -------
    analysis.monitor.Monitor
        Equal to ``monitor(read_log(source), ...)`` without a journey.

    Raises
    ------
    LogError
        An unreadable source, an empty log, an unknown ``by`` column (naming
        the nearest, as :func:`analysis.monitor.nearest_column` does), period
        or zone, ``min_cases < 1`` (one line each).
    """
    from analysis.monitor import (
        NO_CHARTER,
        PERIODS,
        case_notes,
        case_table,
        monitor_from_cases,
        nearest_column,
    )
    from analysis.scale.mine import run_parts

    if min_cases < 1:
        raise LogError(f"--min-cases must be >= 1, got {min_cases}")
    if every not in PERIODS:
        raise LogError(f"--every: unknown period {every!r}; one of: {', '.join(PERIODS)}")
    tz = check_zone(tz)
    con, log = open_log(os.fspath(source), con=connect(memory_limit=memory_limit))
    label = Path(log.name).name
    if by is not None and by not in log.columns:
        raise LogError(f"{label}: " + nearest_column(by, _column_sample(con, log)))
    if log.events == 0:
        raise LogError(f"{label}: the log has no events")
    partials = monitor_partials(log, by=by, sla_minutes=sla_minutes, tz=tz)
    keep = ev_columns(log, by=by)
    run_parts(con, log, partials, keep=keep, parts=parts)

    kpis = case_kpi_finish(con, log)
    firsts = None
    if by is not None:
        raw = con.execute("SELECT ckey, centre FROM c_case_centre").df()
        firsts = pd.Series(raw["centre"].to_numpy(), index=raw["ckey"].to_numpy(dtype=object))
    cases = case_table(kpis, firsts, every=every, tz=tz)
    named = int(con.execute("SELECT CAST(coalesce(sum(named), 0) AS BIGINT) FROM c_agencies_named")
                .fetchone()[0])  # fmt: skip
    if not named:
        cases["handoffs"] = np.nan
    queued, within = _case_queues(con, log, kpis.index)
    cases["queue_waits"] = queued
    cases["queue_ok"] = within
    for col in ("within_time", "within_fee", "working_days", "days_over"):
        cases[col] = np.nan
    con.close()
    notes = case_notes(
        agencies_named=bool(named),
        visits_recorded=not kpis["visits"].isna().all(),
        queue_why=queue_check(log, int(queued.sum())),
    )
    notes["within_charter_time"] = notes["within_charter_fee"] = NO_CHARTER
    return monitor_from_cases(cases, notes, by=by, every=every, min_cases=min_cases,
                              sla_minutes=sla_minutes, tz=tz, seed=seed,
                              n_boot=n_boot)  # fmt: skip


def _case_queues(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, ids: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Desk queues measured and within the standard per case, in the order of ``ids``."""
    zeros = np.zeros(len(ids), dtype=np.int64)
    if not log.has_present:
        return zeros, zeros.copy()
    raw = con.execute(
        "SELECT ckey, CAST(queued AS BIGINT) AS queued, CAST(within AS BIGINT) AS within "
        "FROM c_case_queues"
    ).df()
    out = []
    for col in ("queued", "within"):
        per = pd.Series(raw[col].to_numpy(dtype=np.int64), index=raw["ckey"].to_numpy(dtype=object))
        out.append(per.reindex(ids, fill_value=0).to_numpy(dtype=np.int64))
    return out[0], out[1]


def _column_sample(con: duckdb.DuckDBPyConnection, log: ScaleLog) -> pd.DataFrame:
    """A small frame on which :func:`analysis.monitor.nearest_column` answers as on the log.

    Per column: its first 50 values in reading order (the sample it looks
    at) and up to 1,001 distinct values (it counts up to 1,000), padded by
    repeating a value, which changes neither.
    """
    cols = {}
    for c in log.columns:
        if c == "odsc_rid":
            continue
        q = quote(c)
        head = con.execute(
            f"SELECT {q} FROM log WHERE {q} IS NOT NULL ORDER BY odsc_rid LIMIT 50"
        ).df()[c]
        some = con.execute(f"SELECT DISTINCT {q} FROM log WHERE {q} IS NOT NULL LIMIT 1001").df()[c]
        cols[c] = pd.concat([head, some], ignore_index=True)
    size = max((len(v) for v in cols.values()), default=0)
    frame = {}
    for c, v in cols.items():
        pad = v.iloc[[-1] * (size - len(v))] if len(v) else pd.Series([None] * size)
        frame[c] = pd.concat([v, pad], ignore_index=True)
    return pd.DataFrame(frame)
