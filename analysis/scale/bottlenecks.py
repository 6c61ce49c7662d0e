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
  value counts and agree to the last bit or so;
* pandas lists groups in the order it first meets them in the case-sorted
  log, then sorts (stably) by the table's ranking columns; the engine keeps
  each group's first place (its first case, and the event's place in it) as
  a mergeable minimum so that ties come out in the same order.

:func:`pairs_sql` is the directly-follows relation itself, one row per pair
of consecutive events of a case, for the tables of other modules.
"""

from __future__ import annotations

from analysis.scale.source import quote

__all__ = ["pairs_sql"]


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
        event's ``wait_ns``), ``pos`` and ``fpos`` (of the later event) and
        ``by``.

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
    return f"""
        SELECT ckey, source, act AS target, source_agency, agency AS target_agency,
               source_resource, res AS target_resource,
               begin_ns - source_done AS transition_ns, wait_ns AS waiting_ns,
               pos, fpos{extra}
        FROM (
            SELECT *, lag(act) OVER w AS source, lag(agency) OVER w AS source_agency,
                   lag(res) OVER w AS source_resource, lag(done_ns) OVER w AS source_done
            FROM ev
            WINDOW w AS (PARTITION BY ckey ORDER BY fpos)
        )
        WHERE fpos > 1
    """
