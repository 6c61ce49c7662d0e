"""The per-event times of a log, computed once in DuckDB: the table ``ev``.

:func:`build_events` turns the view ``log`` of :func:`analysis.scale.source.open_log`
into the temporary table ``ev``, one row per event, with the columns every
table of the scale engine reads. The definitions are those of
:mod:`analysis.kpis` and :mod:`analysis.bottlenecks`, here in SQL:

* ``pos``: the event's place in its case in completion order (then start,
  unknown starts first, then reading order), from 1; the order
  :func:`analysis.logs.read_log` sorts a log in;
* ``fpos``: its place in the case's path, read in the order events began
  (start, else completion; ties by completion, then ``pos``), the
  directly-follows order of pm4py and Disco;
* ``wait_ns``: nanoseconds from the latest completion before the event
  (the completion of the event before it in ``pos`` order) to its start,
  never below zero; complete-to-complete when its start is unknown; NULL
  for a case's first event unless the log records the citizen's arrival;
* ``work_ns``: completion minus start, NULL when the start is unknown
  (``odsc:suspended_minutes`` is subtracted where the log has it, in minutes,
  in the float column ``processing``);
* ``handoff``: the agency differs from that of the event before it;
  ``pingpong``: a handoff back to the agency that handed over to the
  current one (A -> B -> A, also A -> B -> B -> A).

Times stay integers (nanoseconds since the epoch, UTC) so that sums and
counts merge exactly across partitions; ``waiting`` and ``processing`` are the
same in float minutes, computed as :mod:`analysis.kpis` computes them.
DuckDB keeps ``ev`` on disk when it does not fit in memory.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c1", "c2"],
...     "concept:name": ["a", "b", "a", "a"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
...         "2024-01-01 10:00", "2024-01-01 09:00"], utc=True),
...     "org:group": ["x", "y", "x", "x"]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> con.execute("SELECT pos, waiting, handoff, pingpong FROM ev ORDER BY ckey, pos").fetchall()
[(1, None, False, False), (2, 30.0, True, False), (3, 90.0, True, True), (1, None, False, False)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.lifecycle import SUSPENDED
from analysis.scale.source import ScaleLog, quote
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["NS_PER_MINUTE", "build_events"]

#: Nanoseconds in a minute (a DOUBLE in SQL, as numpy divides).
NS_PER_MINUTE = 60_000_000_000


def build_events(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, keep: tuple[str, ...] = ()
) -> None:
    """Create the temporary table ``ev`` from the view ``log`` (see the module docstring).

    Parameters
    ----------
    con : duckdb connection
        Holding the view ``log``.
    log : ScaleLog
        What the log holds (:func:`analysis.scale.source.open_log`).
    keep : tuple of str
        Further log columns to carry along under their own names (a ``by``
        column, a centre).

    Notes
    -----
    Columns of ``ev``: ``ckey`` (the case id as text: cases are in its order,
    as read_log sorts them), ``act``, ``agency``, ``res`` (NULL without
    resources), ``door``, ``present`` (NULL when the log has none),
    ``start_ns``, ``done_ns``, ``begin_ns`` (start, else completion),
    ``arrival_ns``, ``rid``, ``pos``, ``fpos``, ``first``, ``last``,
    ``wait_ns``, ``work_ns``, ``waiting``, ``processing``, ``prev_agency``,
    ``handoff``, ``pingpong``, and the ``keep`` columns.
    """
    cols = set(log.columns)
    start = f"epoch_ns({quote(START)})" if START in cols else "CAST(NULL AS BIGINT)"
    arrival = f"epoch_ns({quote(ARRIVAL)})" if ARRIVAL in cols else "CAST(NULL AS BIGINT)"
    res = f"CAST({quote(RESOURCE)} AS VARCHAR)" if RESOURCE in cols else "CAST(NULL AS VARCHAR)"
    door = f"CAST({quote(DOOR)} AS VARCHAR)" if DOOR in cols else "CAST(NULL AS VARCHAR)"
    present = f"CAST({quote(PRESENT)} AS BOOLEAN)" if PRESENT in cols else "CAST(NULL AS BOOLEAN)"
    paused = f"CAST({quote(SUSPENDED)} AS DOUBLE)" if SUSPENDED in cols else "CAST(NULL AS DOUBLE)"
    extra = "".join(f", {quote(c)}" for c in keep)
    per_minute = f"{float(NS_PER_MINUTE)!r}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ev AS
        WITH base AS (
            SELECT CAST({quote(CASE)} AS VARCHAR) AS ckey,
                   CAST({quote(ACTIVITY)} AS VARCHAR) AS act,
                   coalesce(CAST({quote(AGENCY)} AS VARCHAR), '{UNKNOWN_AGENCY}') AS agency,
                   {res} AS res, {door} AS door, {present} AS present,
                   {start} AS start_ns, epoch_ns({quote(TIMESTAMP)}) AS done_ns,
                   {arrival} AS arrival_ns, {paused} AS paused, odsc_rid AS rid{extra}
            FROM log
        ), ordered AS (
            SELECT *, coalesce(start_ns, done_ns) AS begin_ns,
                   row_number() OVER (PARTITION BY ckey
                       ORDER BY done_ns, start_ns NULLS FIRST, rid) AS pos
            FROM base
        ), lagged AS (
            SELECT *,
                   lag(done_ns) OVER w AS prev_done,
                   lag(agency) OVER w AS prev_agency,
                   pos = 1 AS first,
                   pos = count(*) OVER (PARTITION BY ckey) AS last,
                   row_number() OVER (PARTITION BY ckey ORDER BY begin_ns, done_ns, pos) AS fpos
            FROM ordered
            WINDOW w AS (PARTITION BY ckey ORDER BY pos)
        ), timed AS (
            SELECT * EXCLUDE (prev_done, paused),
                   CASE WHEN first AND arrival_ns IS NOT NULL
                            THEN greatest(begin_ns - arrival_ns, 0)
                        WHEN first THEN NULL
                        WHEN start_ns IS NOT NULL THEN greatest(start_ns - prev_done, 0)
                        ELSE done_ns - prev_done END AS wait_ns,
                   done_ns - start_ns AS work_ns,
                   (done_ns - start_ns) / {per_minute} - coalesce(paused, 0.0) AS processing,
                   NOT first AND agency IS DISTINCT FROM prev_agency AS handoff
            FROM lagged
        ), hops AS (
            -- the agency that handed over before the previous handoff of the case
            SELECT ckey, pos,
                   agency = lag(prev_agency) OVER (PARTITION BY ckey ORDER BY pos) AS back
            FROM timed WHERE handoff
        )
        SELECT t.*, t.wait_ns / {per_minute} AS waiting,
               coalesce(h.back, false) AS pingpong
        FROM timed AS t LEFT JOIN hops AS h ON h.ckey = t.ckey AND h.pos = t.pos
        """
    )
