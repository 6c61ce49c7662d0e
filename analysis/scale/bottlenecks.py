"""Where cases wait, on the scale engine: the tables of :mod:`analysis.bottlenecks`.

Each table is a list of :class:`analysis.scale.partials.Partial` queries over
the event table ``ev`` of one partition (:func:`analysis.scale.events.build_events`)
and a ``*_finish`` function that reads the merged ``c_<name>`` tables
(:func:`analysis.scale.partials.combine`) and returns the same
:class:`pandas.DataFrame`, columns, order and values, as the pandas function
of the same name on the log read by :func:`analysis.logs.read_log`.

The definitions are those of :mod:`analysis.bottlenecks`. What is specific
to the engine:

* partitions hold whole cases (a hash bucket of cases, or a centre): a
  count of distinct cases per partition then adds up exactly;
* times are summed as integer nanoseconds and turned into minutes once, at
  the end; pandas sums float minutes, so totals and means agree to about
  1e-12 relative, not bit for bit; medians and quantiles come from exact
  value counts (the waits and processing times) or from every value (the
  transition times, nearly all distinct) and agree to the last bit or so;
* :func:`analysis.mining.mine` reads each case's events in path order
  (``fpos``): a case's first and last step (``starts``, ``ends``) are those
  of its path, and pandas lists groups in the order it first meets them
  there, case by case, then sorts (stably) by the table's ranking columns;
  the engine keeps each group's first place (its first case, and the
  event's place in its path) as a mergeable minimum and ranks by the *exact* integer totals, so ties come
  out in the same order. The one difference: where two groups' exact totals
  tie but pandas' float sums differ in the last bit (BPI Challenge 2012 has
  one such pair, 0.0002 against 0.00020000000000000004 minutes), pandas'
  order follows the rounding and the engine's the tie;
* value counts (the exact quantiles' input, as long as the distinct times:
  near one row per event for times to the millisecond) are keyed by one
  BIGINT per group (:func:`analysis.scale.sql.label_hash`) instead of its labels, which makes
  merging them several times faster; the main partial of each table carries
  the labels beside the key.

:func:`pairs_sql` is the directly-follows relation itself, one row per pair
of consecutive events of a case, for the tables of other modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog, quote
from analysis.scale.sql import (
    check_by,
    group_order,
    label_hash,
    labels,
    lead,
    minutes,
    proc_ns,
    seen,
    with_quantiles,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "activity_stats_finish",
    "activity_stats_partials",
    "pairs_sql",
    "transition_stats_finish",
    "transition_stats_partials",
]


def pairs_sql(by: str | None = None) -> str:
    """A SELECT over ``ev``: one row per directly-follows pair of events of a case.

    Events of a case are read in ``fpos`` order (the order they began, ties
    by completion), as :func:`analysis.bottlenecks.directly_follows` reads
    them.

    Parameters
    ----------
    by : str, optional
        A column of ``ev`` (kept by ``build_events(..., keep=(by,))``) carried
        along under its own name, taken from the later event of the pair.

    Returns
    -------
    str
        SQL with columns ``ckey``, ``source``, ``target`` (activities),
        ``source_agency``, ``target_agency``, ``source_resource``,
        ``target_resource`` (NULL without resources), ``transition_ns`` (the
        later event's start, else completion, minus the earlier one's
        completion: negative for overlapping work), ``waiting_ns`` (the later
        event's ``wait_ns``), ``pos`` and ``fpos`` (of the later event),
        ``first_pair`` (the case's first pair of these activities) and ``by``.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale.events import build_events
    >>> from analysis.scale.source import open_log
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c1"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...                                       "2024-01-01 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x"]}).to_parquet(folder / "log.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> con.execute(f"SELECT source, target, transition_ns // 60000000000 "
    ...             f"FROM ({pairs_sql()}) ORDER BY fpos").fetchall()
    [('a', 'b', 30), ('b', 'a', 90)]
    """
    extra = f", {quote(by)}" if by else ""
    # the earlier event's columns are on the later row (build_events): no self-join
    return f"""
        SELECT ckey, src_act AS source, act AS target, src_agency AS source_agency,
               agency AS target_agency, src_res AS source_resource, res AS target_resource,
               begin_ns - src_done_ns AS transition_ns, wait_ns AS waiting_ns,
               pos, fpos, first_pair{extra}
        FROM ev WHERE fpos > 1
    """


def activity_stats_partials(log: ScaleLog, *, by: str | None = None) -> list[Partial]:
    """The partials of :func:`activity_stats_finish` (per activity, and per ``by`` value).

    Parameters
    ----------
    log : ScaleLog
        The log of the partition (for its columns).
    by : str, optional
        A column kept in ``ev`` (``build_events(..., keep=(by,))``): one
        block of rows per value.

    Returns
    -------
    list of Partial
        ``act`` (counts, integer sums of waiting and processing ns, where
        each activity first occurs), ``act_wait`` and ``act_proc`` (value
        counts of waiting and processing ns, for the quantiles).
    """
    check_by(log, by)
    k = lead(by)
    keys = ((by,) if by else ()) + ("activity",)
    # one row per activity and case first: its events, and the case counted once
    # (without groups, each case's first event of the activity counts it: one pass)
    flat = f"""
        SELECT *, {label_hash(None, "activity")} AS h FROM (
        SELECT act AS activity, count(*) AS events, count_if(first_act) AS cases,
               count_if(ffirst) AS starts, count_if(flast) AS ends, count(wait_ns) AS w_n,
               sum(wait_ns) AS w_sum, count(work_ns) AS p_n, sum({proc_ns()}) AS p_sum,
               {seen("fpos")}
        FROM ev GROUP BY act)
    """
    main = (
        flat
        if by is None
        else f"""
        SELECT *, {label_hash(by, "activity")} AS h FROM (
        SELECT {k}activity, sum(e) AS events, count(*) AS cases, sum(s) AS starts,
               sum(l) AS ends, sum(wn) AS w_n, sum(ws) AS w_sum, sum(pn) AS p_n,
               sum(ps) AS p_sum, {seen()}
        FROM (
            SELECT {k}act AS activity, ckey, count(*) AS e, count_if(ffirst) AS s,
                   count_if(flast) AS l, count(wait_ns) AS wn, sum(wait_ns) AS ws,
                   count(work_ns) AS pn, sum({proc_ns()}) AS ps, min(fpos) AS p
            FROM ev GROUP BY ALL
        ) GROUP BY ALL)
    """
    )
    sums = ("events", "cases", "starts", "ends", "w_n", "w_sum", "p_n", "p_sum")
    h = label_hash(by, "act")
    return [
        Partial("act", main, keys=(*keys, "h"), sums=sums, mins=("seen",)),
        Partial(
            "act_wait",
            f"SELECT {h} AS h, wait_ns AS value, count(*) AS n "
            "FROM ev WHERE wait_ns IS NOT NULL GROUP BY ALL",
            keys=("h", "value"),
            sums=("n",),
            stack=True,
        ),
        Partial(
            "act_proc",
            f"SELECT {h} AS h, {proc_ns()} AS value, count(*) AS n "
            "FROM ev WHERE work_ns IS NOT NULL GROUP BY ALL",
            keys=("h", "value"),
            sums=("n",),
            stack=True,
        ),
    ]


def activity_stats_finish(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, by: str | None = None
) -> pd.DataFrame:
    """Per activity: volume, waiting before it, processing; :func:`analysis.bottlenecks.activity_stats`.

    Reads the tables ``c_act``, ``c_act_wait`` and ``c_act_proc`` that
    :func:`analysis.scale.partials.combine` made from :func:`activity_stats_partials`.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], activity, events, cases, starts, ends, waiting_median,
        waiting_mean, waiting_p90, waiting_total, waiting_share,
        processing_median, processing_mean, processing_p90,
        processing_total``, sorted by ``waiting_total`` (the exact sum),
        largest first, then ``events``, then where the activity first occurs;
        processing columns NaN without start times.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale import build_events, open_log
    >>> from analysis.scale.partials import combine, run_partials
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["submit", "approve", "submit", "approve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...                                       "2024-01-01 08:30", "2024-01-01 08:40"], utc=True),
    ...     "org:group": ["front", "back", "front", "back"]}).to_parquet(folder / "l.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> parts = activity_stats_partials(log)
    >>> combine(con, [run_partials(con, parts)], parts)
    >>> activity_stats_finish(con, log)[["activity", "events", "waiting_median", "waiting_total"]]
      activity  events  waiting_median  waiting_total
    0  approve       2            35.0           70.0
    1   submit       2             NaN            0.0
    """
    keys = ([by] if by else []) + ["activity"]
    frame = con.execute(
        f"""
        SELECT {lead(by)}activity, h, CAST(events AS BIGINT) AS events,
               CAST(cases AS BIGINT) AS cases, CAST(starts AS BIGINT) AS starts,
               CAST(ends AS BIGINT) AS ends,
               {minutes("w_sum")} / w_n AS waiting_mean,
               coalesce({minutes("w_sum")}, 0.0) AS waiting_total,
               {minutes("p_sum")} / p_n AS processing_mean,
               {minutes("p_sum")} AS processing_total
        FROM c_act
        ORDER BY {group_order(by)}coalesce(w_sum, 0) DESC, events DESC, seen
        """
    ).df()
    frame = with_quantiles(con, frame, "c_act_wait", ("waiting_median", "waiting_p90"))
    frame = with_quantiles(con, frame, "c_act_proc", ("processing_median", "processing_p90"))
    total = frame["waiting_total"]
    if by:
        totals = frame.groupby(by, sort=False, dropna=False)["waiting_total"].transform("sum")
    else:
        totals = pd.Series(total.sum(), index=frame.index)
    frame["waiting_share"] = np.where(totals > 0, total / totals.where(totals > 0, 1.0), 0.0)
    columns = [*keys, "events", "cases", "starts", "ends", "waiting_median", "waiting_mean"]
    columns += ["waiting_p90", "waiting_total", "waiting_share", "processing_median"]
    columns += ["processing_mean", "processing_p90", "processing_total"]
    return labels(frame[columns].reset_index(drop=True))


def transition_stats_partials(log: ScaleLog, *, by: str | None = None) -> list[Partial]:
    """The partials of :func:`transition_stats_finish` (per directly-follows pair of activities).

    Parameters
    ----------
    log : ScaleLog
    by : str, optional
        A column kept in ``ev``; each pair takes the value of its later event.

    Returns
    -------
    list of Partial
        ``trans`` (counts, overlaps, integer sums of the transition ns of
        all pairs and of those that did not overlap, where each pair first
        occurs) and ``trans_gap`` (the non-negative transition ns, one row
        per pair: nearly all distinct, counting them saved few rows).
    """
    check_by(log, by)
    k = lead(by)
    keys = ((by,) if by else ()) + ("source", "target")
    pairs = pairs_sql(by)
    h = label_hash(by, "source", "target")
    flat = f"""
        SELECT *, {h} AS h FROM (
        SELECT source, target, count(*) AS "count", count_if(first_pair) AS cases,
               count_if(transition_ns < 0) AS "overlaps", count_if(transition_ns >= 0) AS a_n,
               sum(transition_ns) FILTER (WHERE transition_ns >= 0) AS a_sum,
               sum(transition_ns) AS t_sum, {seen("fpos")}
        FROM ({pairs}) GROUP BY source, target)
    """
    main = (
        flat
        if by is None
        else f"""
        SELECT *, {h} AS h FROM (
        SELECT {k}source, target, sum(e) AS "count", count(*) AS cases,
               sum(o) AS "overlaps", sum(an) AS a_n, sum(a) AS a_sum, sum(t) AS t_sum,
               {seen()}
        FROM (
            SELECT {k}source, target, ckey, count(*) AS e,
                   count_if(transition_ns < 0) AS o, count_if(transition_ns >= 0) AS an,
                   sum(transition_ns) FILTER (WHERE transition_ns >= 0) AS a,
                   sum(transition_ns) AS t, min(fpos) AS p
            FROM ({pairs}) GROUP BY ALL
        ) GROUP BY ALL)
    """
    )
    return [
        Partial(
            "trans",
            main,
            keys=(*keys, "h"),
            sums=("count", "cases", "overlaps", "a_n", "a_sum", "t_sum"),
            mins=("seen",),
        ),
        Partial(
            "trans_gap",
            f"SELECT {h} AS h, transition_ns AS value FROM ({pairs}) WHERE transition_ns >= 0",
            keys=("h", "value"),
            stack=True,
        ),
    ]


def transition_stats_finish(
    con: duckdb.DuckDBPyConnection, log: ScaleLog, *, by: str | None = None
) -> pd.DataFrame:
    """The performance directly-follows graph; :func:`analysis.bottlenecks.transition_stats`.

    Reads ``c_trans`` and ``c_trans_gap`` (:func:`transition_stats_partials`).
    Overlapping pairs (the later step began before the earlier one ended)
    are counted in ``overlaps`` and left out of ``median``, ``mean``,
    ``p90`` and ``total`` (NaN when every pair overlapped);
    ``signed_mean`` is pm4py's mean over all pairs.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], source, target, count, cases, overlaps, median,
        mean, p90, total, signed_mean`` (minutes), sorted by ``total``
        (exact), largest first, then ``count``, then first occurrence.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from analysis.scale import build_events, open_log
    >>> from analysis.scale.partials import combine, run_partials
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c1"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...                                       "2024-01-01 10:00"], utc=True),
    ...     "start_timestamp": pd.to_datetime(["2024-01-01 07:50", "2024-01-01 07:55",
    ...                                        "2024-01-01 09:00"], utc=True),
    ...     "org:group": ["x", "y", "x"]}).to_parquet(folder / "l.parquet")
    >>> con, log = open_log(folder)
    >>> build_events(con, log)
    >>> parts = transition_stats_partials(log)
    >>> combine(con, [run_partials(con, parts)], parts)
    >>> transition_stats_finish(con, log)[["source", "target", "overlaps", "median", "signed_mean"]]
      source target  overlaps  median  signed_mean
    0      b      a         0    30.0         30.0
    1      a      b         1     NaN         -5.0
    """
    keys = ([by] if by else []) + ["source", "target"]
    frame = con.execute(
        f"""
        SELECT {lead(by)}source, target, h, CAST("count" AS BIGINT) AS "count",
               CAST(cases AS BIGINT) AS cases, CAST("overlaps" AS BIGINT) AS "overlaps",
               {minutes("a_sum")} / a_n AS mean, {minutes("a_sum")} AS total,
               {minutes("t_sum")} / "count" AS signed_mean
        FROM c_trans
        ORDER BY {group_order(by)}a_sum DESC NULLS LAST, "count" DESC, seen
        """
    ).df()
    frame = with_quantiles(con, frame, "c_trans_gap", ("median", "p90"))
    columns = [*keys, "count", "cases", "overlaps", "median", "mean", "p90", "total"]
    return labels(frame[[*columns, "signed_mean"]].reset_index(drop=True))
