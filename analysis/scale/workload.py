"""When work happens, on the scale engine: hour-by-weekday profiles, work in progress, clerks.

The tables of :func:`analysis.bottlenecks.profiles`, :func:`analysis.bottlenecks.wip`
and :func:`analysis.handoffs.resource_workload`, as mergeable partials over
``ev`` and finish functions over the merged ``c_<name>`` tables (the
protocol of :mod:`analysis.scale.partials`; what the engine does differently
from pandas, and why the results agree, is in :mod:`analysis.scale.bottlenecks`).

Clock times (an event's weekday and hour, its calendar day) are read in the
time zone ``tz`` (UTC when omitted) with DuckDB's ICU time zones, from the
microsecond; under UTC they are plain integer arithmetic on the nanoseconds.
Days count from 1970-01-01 of that clock. Every partition reads its own
events' clock times, so nothing but counts crosses partitions.

Work in progress needs each case's first and last day; a case lies in one
partition, so each partition reduces its cases to counts of cases starting
and finishing on each day, and the finish function expands the days of each
group in one range join and runs the cumulative sums: no per-case row
leaves a partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.bottlenecks import WEEKDAY_NAMES
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog, quote
from analysis.scale.sql import (
    NS_PER_DAY,
    check_by,
    check_tz,
    clock_ns,
    day_of,
    group_order,
    label_hash,
    labels,
    lead,
    minutes,
    proc_ns,
    seen,
    with_quantiles,
)
from analysis.schema import RESOURCE

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "WORKLOAD_COLUMNS",
    "profiles_finish",
    "profiles_partials",
    "wip_finish",
    "wip_partials",
    "resource_workload_finish",
    "resource_workload_partials",
]

#: Columns of :func:`resource_workload_finish` after the optional ``by`` column.
WORKLOAD_COLUMNS: tuple[str, ...] = (
    "resource",
    "events",
    "cases",
    "activities",
    "agency",
    "active_days",
    "events_per_day",
    "busy_minutes",
    "event_share",
)

_NS_PER_HOUR = 3_600_000_000_000


def _weekday_hour(clock: str) -> str:
    """SQL columns ``weekday`` (0 = Monday) and ``hour`` of a clock time in ns."""
    day = day_of(clock)
    # 1970-01-01 was a Thursday (3 when Monday is 0)
    return (
        f"CAST((({day} + 3) % 7 + 7) % 7 AS BIGINT) AS weekday, "
        f"CAST((({clock}) - {day} * {NS_PER_DAY}) // {_NS_PER_HOUR} AS BIGINT) AS hour"
    )


def profiles_partials(
    log: ScaleLog, *, by: str | None = None, tz: str | None = None
) -> list[Partial]:
    """The partials of :func:`profiles_finish`: counts per weekday and hour.

    Parameters
    ----------
    log : ScaleLog
    by : str, optional
        A column kept in ``ev``: one grid per value.
    tz : str, optional
        The IANA time zone of the clock (UTC when omitted).

    Returns
    -------
    list of Partial
        ``prof_begin`` (cases arriving and the waiting ns summed, by the
        hour events began), ``prof_wait`` (the waiting ns, one row per wait),
        ``prof_done`` (completions by the hour they happened) and, with
        ``by``, ``prof_seen`` (where each group first occurs).
    """
    check_by(log, by)
    check_tz(tz)
    k = lead(by)
    keys = ((by,) if by else ()) + ("weekday", "hour")
    began = f"""
        SELECT {k}ffirst, wait_ns, {_weekday_hour("b")}
        FROM (SELECT *, {clock_ns("begin_ns", tz)} AS b FROM ev)
    """
    h = label_hash(by, "weekday", "hour")
    done = f"SELECT {k}{_weekday_hour('e')} FROM (SELECT *, {clock_ns('done_ns', tz)} AS e FROM ev)"
    parts = [
        Partial(
            "prof_begin",
            f"SELECT *, {h} AS h FROM (SELECT {k}weekday, hour, count_if(ffirst) AS arrivals, "
            f"sum(wait_ns) AS w_sum FROM ({began}) GROUP BY ALL)",
            keys=(*keys, "h"),
            sums=("arrivals", "w_sum"),
        ),
        # one row per wait (nearly all distinct: counting them saved few rows)
        Partial(
            "prof_wait",
            f"SELECT {h} AS h, wait_ns AS value FROM ({began}) WHERE wait_ns IS NOT NULL",
            keys=("h", "value"),
            stack=True,
        ),
        Partial(
            "prof_done",
            f"SELECT {k}weekday, hour, count(*) AS events FROM ({done}) GROUP BY ALL",
            keys=keys,
            sums=("events",),
        ),
    ]
    if by:
        parts.append(
            Partial(
                "prof_seen",
                f"SELECT {quote(by)}, {seen()} FROM (SELECT {quote(by)}, ckey, min(fpos) AS p "
                "FROM ev GROUP BY ALL) GROUP BY ALL",
                keys=(by,),
                mins=("seen",),
            )
        )
    return parts


def profiles_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Arrivals, events and waiting by weekday and hour; :func:`analysis.bottlenecks.profiles`.

    Reads the tables of :func:`profiles_partials` (same ``by``; ``tz`` was
    used there).

    Returns
    -------
    pandas.DataFrame
        A full 7 x 24 grid (per ``by`` value, in the order the values first
        occur in the log): ``[by], weekday (0 = Monday), day, hour,
        arrivals, events, waiting_median, waiting_total`` (minutes). Empty
        hours count zero and have a NaN median.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale import build_events, open_log
    >>> from analysis.scale.partials import combine, run_partials
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 09:30",
    ...                                       "2024-01-02 08:50"], utc=True),
    ...     "org:group": ["x", "y", "x"]}).to_parquet(folder / "l.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> parts = profiles_partials(log, tz="Asia/Vientiane")
    >>> combine(con, [run_partials(con, parts)], parts)
    >>> p = profiles_finish(con, log)
    >>> p[p["events"] > 0][["day", "hour", "arrivals", "events", "waiting_total"]]
        day  hour  arrivals  events  waiting_total
    15  Mon    15         1       1            0.0
    16  Mon    16         0       1           80.0
    39  Tue    15         1       1            0.0
    """
    if by:
        groups = f"SELECT {quote(by)}, seen FROM c_prof_seen"
        on = " AND ".join(
            f"x.{c} IS NOT DISTINCT FROM g.{c}" for c in (quote(by), "weekday", "hour")
        )
    else:
        groups = "SELECT 0 AS seen"
        on = "x.weekday = g.weekday AND x.hour = g.hour"
    frame = con.execute(
        f"""
        WITH g AS (
            SELECT grp.*, w.weekday, h.hour
            FROM ({groups}) AS grp,
                 (SELECT CAST(range AS BIGINT) AS weekday FROM range(7)) AS w,
                 (SELECT CAST(range AS BIGINT) AS hour FROM range(24)) AS h
        )
        SELECT {"g." + quote(by) + ", " if by else ""}g.weekday, g.hour, b.h,
               CAST(coalesce(b.arrivals, 0) AS BIGINT) AS arrivals,
               CAST(coalesce(d.events, 0) AS BIGINT) AS events,
               coalesce({minutes("b.w_sum")}, 0.0) AS waiting_total
        FROM g
        LEFT JOIN c_prof_begin AS b ON {on.replace("x.", "b.")}
        LEFT JOIN c_prof_done AS d ON {on.replace("x.", "d.")}
        ORDER BY g.seen, g.weekday, g.hour
        """
    ).df()
    keys = ([by] if by else []) + ["weekday", "hour"]
    frame = with_quantiles(con, frame, "c_prof_wait", ("waiting_median", "p90"))
    frame.insert(len(keys) - 1, "day", np.array(WEEKDAY_NAMES)[frame["weekday"].to_numpy()])
    columns = [*keys[:-1], "day", "hour", "arrivals", "events", "waiting_median"]
    return labels(frame[[*columns, "waiting_total"]])


def wip_partials(log: ScaleLog, *, by: str | None = None, tz: str | None = None) -> list[Partial]:
    """The partials of :func:`wip_finish`: cases starting and finishing on each day.

    A case's group is the first value of ``by`` its events hold along its
    path (``fpos`` order), as :func:`analysis.bottlenecks.wip` takes it inside
    :func:`analysis.mining.mine`.

    Returns
    -------
    list of Partial
        ``wip_start`` (per group and day: cases whose first event began that
        day, and the first such case id) and ``wip_end`` (cases whose last
        completion fell on that day).
    """
    check_by(log, by)
    check_tz(tz)
    group = (
        f"arg_min({quote(by)}, fpos) FILTER (WHERE {quote(by)} IS NOT NULL) AS {quote(by)}, "
        if by
        else ""
    )
    # per case, grouped by its run number in ev (cheaper to hash than the id text)
    cases = f"""
        SELECT any_value(ckey) AS ckey, {group}min({day_of(clock_ns("begin_ns", tz))}) AS b,
               max({day_of(clock_ns("done_ns", tz))}) AS e
        FROM ev GROUP BY crun
    """
    k = lead(by)
    keys = ((by,) if by else ()) + ("day",)
    return [
        Partial(
            "wip_start",
            f"SELECT {k}b AS day, count(*) AS n, min(ckey) AS first_case "
            f"FROM ({cases}) GROUP BY ALL",
            keys=keys,
            sums=("n",),
            mins=("first_case",),
        ),
        Partial(
            "wip_end",
            f"SELECT {k}e AS day, count(*) AS n FROM ({cases}) GROUP BY ALL",
            keys=keys,
            sums=("n",),
        ),
    ]


def wip_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Cases open on each calendar day; :func:`analysis.bottlenecks.wip`.

    A case is open on every day from the day its first event began to the
    day of its last completion, both included. Reads the tables of
    :func:`wip_partials` (same ``by``; ``tz`` was used there).

    Returns
    -------
    pandas.DataFrame
        ``[by], date`` (``datetime64`` day), ``open``, ``started``,
        ``finished``; one row per day from the first to the last day of each
        group, groups in the order of their first case.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale import build_events, open_log
    >>> from analysis.scale.partials import combine, run_partials
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-03 09:00",
    ...                                       "2024-01-02 08:00", "2024-01-02 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x", "y"]}).to_parquet(folder / "l.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> parts = wip_partials(log)
    >>> combine(con, [run_partials(con, parts)], parts)
    >>> wip_finish(con, log)
            date  open  started  finished
    0 2024-01-01     1        1         0
    1 2024-01-02     2        1         1
    2 2024-01-03     1        0         1
    """
    if by:
        g = quote(by)
        same = f"s.{g} IS NOT DISTINCT FROM d.{g} AND s.day = d.day"
        ends = f"e.{g} IS NOT DISTINCT FROM s.{g}"
        part, pick = f"PARTITION BY {g} ", f"{g}, "
    else:
        g, same, ends, part, pick = "", "s.day = d.day", "true", "", ""
    grp = f"{g}, " if by else ""
    frame = con.execute(
        f"""
        WITH groups AS (
            SELECT {grp}min(day) AS lo, min(first_case) AS first_case
            FROM c_wip_start GROUP BY ALL
        ), spans AS (
            SELECT s.*, (SELECT max(day) FROM c_wip_end AS e WHERE {ends}) AS hi
            FROM groups AS s
        ), days AS (
            SELECT s.* EXCLUDE (lo, hi), r.range AS day
            FROM spans AS s, range(s.lo, s.hi + 1) AS r
        ), counted AS (
            SELECT d.*, CAST(coalesce(s.n, 0) AS BIGINT) AS started,
                   CAST(coalesce(f.n, 0) AS BIGINT) AS finished
            FROM days AS d
            LEFT JOIN c_wip_start AS s ON {same}
            LEFT JOIN c_wip_end AS f ON {same.replace("s.", "f.")}
        )
        SELECT {pick}day,
               CAST(sum(started) OVER w - sum(finished) OVER w + finished AS BIGINT) AS open,
               started, finished
        FROM counted
        WINDOW w AS ({part}ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ORDER BY first_case, day
        """
    ).df()
    date = pd.to_datetime(frame.pop("day").to_numpy(dtype=np.int64) * NS_PER_DAY, unit="ns")
    frame.insert(1 if by else 0, "date", date)
    return labels(frame)


def resource_workload_partials(
    log: ScaleLog, *, by: str | None = None, tz: str | None = None
) -> list[Partial]:
    """The partials of :func:`resource_workload_finish`: per resource (clerk, desk).

    Returns
    -------
    list of Partial
        ``work`` (events, cases, integer sums of processing ns, where each
        resource first occurs), ``work_act``, ``work_day`` and
        ``work_agency`` (events per resource and activity, completion day,
        agency: distinct activities and days, and the main agency, are only
        known once all partitions are merged). None when the log has no
        resource column.
    """
    check_by(log, by)
    check_tz(tz)
    if RESOURCE not in log.columns:
        return []
    k = lead(by)
    keys = ((by,) if by else ()) + ("resource",)
    flat = f"""
        SELECT res AS resource, count(*) AS events, count_if(first_res) AS cases,
               count(work_ns) AS p_n, sum({proc_ns()}) AS p_sum, {seen("fpos")}
        FROM ev GROUP BY res
    """
    main = (
        flat
        if by is None
        else f"""
        SELECT {k}resource, sum(e) AS events, count(*) AS cases, sum(pn) AS p_n,
               sum(ps) AS p_sum, {seen()}
        FROM (
            SELECT {k}res AS resource, ckey, count(*) AS e, count(work_ns) AS pn,
                   sum({proc_ns()}) AS ps, min(fpos) AS p
            FROM ev GROUP BY ALL
        ) GROUP BY ALL
    """
    )

    def per(name: str, column: str) -> Partial:
        sql = f"SELECT {k}res AS resource, {column} AS {name}, count(*) AS n FROM ev GROUP BY ALL"
        return Partial(f"work_{name}", sql, keys=(*keys, name), sums=("n",))

    return [
        Partial("work", main, keys=keys, sums=("events", "cases", "p_n", "p_sum"), mins=("seen",)),
        per("activity", "act"),
        per("day", day_of(clock_ns("done_ns", tz))),
        per("agency", "agency"),
    ]


def resource_workload_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Per resource: events, cases, days, busy minutes; :func:`analysis.handoffs.resource_workload`.

    Reads the tables of :func:`resource_workload_partials` (same ``by``; ``tz`` was
    used there). ``agency`` is the agency of most of the resource's events
    (the first in label order on a tie); ``busy_minutes`` is NaN without
    start times.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by]`` and :data:`WORKLOAD_COLUMNS`, sorted by events,
        then cases, largest first; an empty table when the log has no
        resource column.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale import build_events, open_log
    >>> from analysis.scale.partials import combine, run_partials
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 09:30",
    ...                                       "2024-01-02 08:50"], utc=True),
    ...     "org:group": ["x", "y", "x"], "org:resource": ["ann", "bob", "ann"]}
    ...     ).to_parquet(folder / "l.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> parts = resource_workload_partials(log)
    >>> combine(con, [run_partials(con, parts)], parts)
    >>> resource_workload_finish(con, log)[["resource", "events", "cases", "agency", "active_days"]]
      resource  events  cases agency  active_days
    0      ann       2      2      x            2
    1      bob       1      1      y            1
    """
    columns = ([by] if by else []) + list(WORKLOAD_COLUMNS)
    if RESOURCE not in log.columns:
        return pd.DataFrame(columns=columns)
    keys = [quote(c) for c in ([by] if by else [])] + ["resource"]
    on = " AND ".join(f"w.{c} IS NOT DISTINCT FROM x.{c}" for c in keys)
    group = ", ".join(keys)

    def join(sql: str, alias: str) -> str:
        return f"LEFT JOIN ({sql}) AS {alias} ON {on.replace('x.', alias + '.')}"

    frame = con.execute(
        f"""
        SELECT {", ".join("w." + c for c in keys)}, CAST(w.events AS BIGINT) AS events,
               CAST(w.cases AS BIGINT) AS cases, a.activities, g.agency, d.active_days,
               w.events / d.active_days AS events_per_day,
               {minutes("w.p_sum")} AS busy_minutes
        FROM c_work AS w
        {join(f"SELECT {group}, count(*) AS activities FROM c_work_activity GROUP BY ALL", "a")}
        {join(f"SELECT {group}, count(*) AS active_days FROM c_work_day GROUP BY ALL", "d")}
        {
            join(
                f"SELECT {group}, agency FROM c_work_agency QUALIFY row_number() OVER "
                f"(PARTITION BY {group} ORDER BY n DESC, agency) = 1",
                "g",
            )
        }
        ORDER BY {group_order(by, "w.")}w.events DESC, w.cases DESC, w.seen
        """
    ).df()
    if by:
        total = frame.groupby(by, sort=False, dropna=False)["events"].transform("sum")
    else:
        total = frame["events"].sum()
    frame["event_share"] = frame["events"] / total
    return labels(frame[columns])
