"""Where cases wait: activities, transitions, hour-by-weekday profiles, work in progress.

Every table here is computed with vectorised pandas/numpy on the canonical
event log (see :func:`analysis.logs.read_log`) or on the output of
:func:`analysis.kpis.event_times`, which these functions call when the
per-event ``waiting`` and ``processing`` columns are not there yet. Times are
in minutes. Every table takes ``by=``, a column of the log (a centre, a
channel such as ``case:channel``) whose values become the leading column, so
that groups can be compared side by side.

Definitions (those of the design document):

* waiting before an event: its start minus the latest completion before it
  in the case, never below zero; without start timestamps it is the
  complete-to-complete transition time;
* processing: completion minus start of an event (unknown without starts);
* directly-follows: the events of a case are read in the order they began
  (start, else completion; ties by completion), as pm4py and Disco do;
* transition time of a directly-follows pair ``a -> b``: the start of ``b``
  (its completion when starts are unknown) minus the completion of ``a``,
  the definition of pm4py's performance DFG; it is negative when ``b``
  started before ``a`` ended (overlapping work).
* **overlap** (the rule of the transition tables and the process map): a
  negative transition time is not a wait of minus so many minutes but two
  steps worked on at the same time. :func:`transition_stats` counts such
  pairs in ``overlaps`` and leaves them out of its ``median``, ``mean``,
  ``p90`` and ``total``, which are times between steps that did not overlap
  (NaN when every pair overlapped); ``signed_mean`` keeps pm4py's mean over
  all pairs, negatives included. Waiting before an event is never below zero
  (see above), so an overlapping event waits 0 minutes.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from analysis.schema import ACTIVITY, AGENCY, CASE, RESOURCE, START, TIMESTAMP

__all__ = [
    "WEEKDAY_NAMES",
    "activity_stats",
    "directly_follows",
    "prepare",
    "profiles",
    "transition_stats",
    "wip",
]

#: Weekday labels of :func:`profiles`, Monday first (pandas' ``dayofweek`` 0..6).
WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_MINUTE = np.timedelta64(60_000_000_000, "ns")


def prepare(log: pd.DataFrame) -> pd.DataFrame:
    """The log with per-event ``waiting`` and ``processing`` minutes, sorted by case.

    Returns ``log`` itself when it already carries those columns (the output
    of :func:`analysis.kpis.event_times`), so a caller computing several
    tables pays for the event times once.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log, or the output of ``event_times``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30"], utc=True),
    ...     "org:group": ["x", "y"]})
    >>> prepare(log)["waiting"].tolist()
    [nan, 30.0]
    """
    if "waiting" in log.columns and "processing" in log.columns:
        return log
    from analysis.kpis import event_times

    return event_times(log)


def directly_follows(
    log: pd.DataFrame,
    *,
    activity: str = ACTIVITY,
    by: str | None = None,
) -> pd.DataFrame:
    """One row per directly-follows pair of events of a case.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output), sorted by case then time.
    activity : str
        The column naming the step.
    by : str, optional
        A column to carry along (taken from the later event of the pair).

    Returns
    -------
    pandas.DataFrame
        Columns ``case`` (the case id), ``source``, ``target`` (activities),
        ``source_agency``, ``target_agency``, ``source_resource`` and
        ``target_resource`` (when the log has resources), all categorical,
        ``transition``
        (minutes, see the module docstring), ``waiting`` (minutes, of the
        later event), ``row`` (position of the later event in the prepared
        log) and ``by`` when asked.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c1"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...                                       "2024-01-01 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x"]})
    >>> directly_follows(log)[["source", "target", "transition"]]
      source target  transition
    0      a      b        30.0
    1      b      a        90.0
    """
    ev = prepare(log)
    _require(ev, [activity] + ([by] if by else []))
    order = _flow_order(ev)
    codes = _case_codes(ev)[order]
    pos = np.flatnonzero(codes[1:] == codes[:-1]) + 1
    tgt, src = order[pos], order[pos - 1]
    end = _utc_values(ev[TIMESTAMP])
    begin = _begin_values(ev)
    # Labels travel as categoricals (integer codes): no string copies of a million rows.
    out: dict[str, object] = {"case": _categorical(ev[CASE], tgt)}
    for name, column in (("", activity), ("_agency", AGENCY), ("_resource", RESOURCE)):
        if column in ev.columns or name == "_agency":
            values = ev[column] if column in ev.columns else pd.Series(np.nan, index=ev.index)
            fcodes, uniques = _factor(values)
            out[f"source{name}"] = pd.Categorical.from_codes(fcodes[src], uniques)
            out[f"target{name}"] = pd.Categorical.from_codes(fcodes[tgt], uniques)
    out["transition"] = (begin[tgt] - end[src]) / _MINUTE
    out["waiting"] = ev["waiting"].to_numpy(dtype=float)[tgt]
    out["row"] = tgt
    if by:
        out["by"] = _categorical(ev[by], tgt)
    return pd.DataFrame(out)


def activity_stats(
    log: pd.DataFrame,
    *,
    activity: str = ACTIVITY,
    by: str | None = None,
) -> pd.DataFrame:
    """Per activity: volume, waiting before it, processing, ranked by total waiting.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    activity : str
        The column naming the step.
    by : str, optional
        Compare groups: one block of rows per value of this column.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], activity, events, cases, starts, ends, waiting_median,
        waiting_mean, waiting_p90, waiting_total, waiting_share,
        processing_median, processing_mean, processing_p90, processing_total``.
        ``starts``/``ends`` count the cases that begin/finish with the
        activity; ``waiting_share`` is the activity's share of all waiting
        (of its group); processing columns are NaN without start timestamps.
        Sorted by ``waiting_total``, largest first (within each group).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["submit", "approve", "submit", "approve"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...                                       "2024-01-01 08:30", "2024-01-01 08:40"], utc=True),
    ...     "start_timestamp": pd.to_datetime(["2024-01-01 07:50", "2024-01-01 08:45",
    ...                                        "2024-01-01 08:20", "2024-01-01 08:30"], utc=True),
    ...     "org:group": ["front", "back", "front", "back"]})
    >>> t = activity_stats(log)
    >>> t[["activity", "events", "waiting_total", "waiting_share", "processing_mean"]]
      activity  events  waiting_total  waiting_share  processing_mean
    0  approve       2           45.0            1.0             12.5
    1   submit       2            0.0            0.0             10.0
    """
    ev = prepare(log)
    _require(ev, [activity] + ([by] if by else []))
    keys = _keys(by, activity)
    frame = ev[keys].copy()
    frame["_case"] = _case_codes(ev)
    frame["waiting"] = ev["waiting"].astype(float)
    frame["processing"] = ev["processing"].astype(float)
    first, last = _first_last_mask(frame["_case"].to_numpy())
    frame["_start"] = first
    frame["_end"] = last
    g = frame.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(
        events=("_case", "size"),
        cases=("_case", "nunique"),
        starts=("_start", "sum"),
        ends=("_end", "sum"),
        waiting_median=("waiting", "median"),
        waiting_mean=("waiting", "mean"),
    )
    out["waiting_p90"] = g["waiting"].quantile(0.9)
    out["waiting_total"] = g["waiting"].sum(min_count=1).fillna(0.0)
    out["processing_median"] = g["processing"].median()
    out["processing_mean"] = g["processing"].mean()
    out["processing_p90"] = g["processing"].quantile(0.9)
    out["processing_total"] = g["processing"].sum(min_count=1)
    out = out.reset_index()
    out = _plain(out.rename(columns={activity: "activity"}))
    if by:
        totals = out.groupby(by, sort=False, dropna=False)["waiting_total"].transform("sum")
    else:
        totals = pd.Series(out["waiting_total"].sum(), index=out.index)
    out.insert(
        out.columns.get_loc("waiting_total") + 1,
        "waiting_share",
        np.where(totals > 0, out["waiting_total"] / totals.where(totals > 0, 1.0), 0.0),
    )
    return _rank(out, by, ["waiting_total", "events"])


def transition_stats(
    log: pd.DataFrame,
    *,
    activity: str = ACTIVITY,
    by: str | None = None,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The performance directly-follows graph: per pair ``a -> b``, count and time.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    activity : str
        The column naming the step.
    by : str, optional
        Compare groups (the value of the later event of each pair).
    pairs : pandas.DataFrame, optional
        :func:`directly_follows` of the log (same ``activity`` and ``by``),
        when already computed.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], source, target, count, cases, overlaps, median,
        mean, p90, total, signed_mean`` (transition times in minutes, see the
        module docstring: ``overlaps`` counts the pairs whose later step
        started before the earlier one ended, which the times leave out),
        sorted by ``total``, largest first. ``count`` equals
        ``pm4py.discover_dfg`` and ``signed_mean``
        ``pm4py.discover_performance_dfg`` (in seconds there).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c1"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...                                       "2024-01-01 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x"]})
    >>> transition_stats(log)[["source", "target", "count", "mean"]]
      source target  count  mean
    0      b      a      1  90.0
    1      a      b      1  30.0

    Overlapping work is counted, not averaged as a negative wait:

    >>> log["start_timestamp"] = pd.to_datetime(["2024-01-01 07:50", "2024-01-01 07:55",
    ...                                          "2024-01-01 09:00"], utc=True)
    >>> transition_stats(log)[["source", "target", "overlaps", "median", "signed_mean"]]
      source target  overlaps  median  signed_mean
    0      b      a         0    30.0         30.0
    1      a      b         1     NaN         -5.0
    """
    if pairs is None:
        pairs = directly_follows(log, activity=activity, by=by)
    gap = pairs["transition"].to_numpy(dtype=float)
    pairs = pairs.assign(
        case=pairs["case"].cat.codes,
        overlap=gap < 0,
        apart=np.where(gap < 0, np.nan, gap),
    )
    keys = (["by"] if by else []) + ["source", "target"]
    g = pairs.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(
        count=("transition", "size"),
        cases=("case", "nunique"),
        overlaps=("overlap", "sum"),
        median=("apart", "median"),
        mean=("apart", "mean"),
    )
    out["p90"] = g["apart"].quantile(0.9)
    out["total"] = g["apart"].sum(min_count=1).fillna(0.0)
    out["signed_mean"] = g["transition"].mean()
    out = _plain(out.reset_index())
    if by:
        out = out.rename(columns={"by": by})
    return _rank(out, by, ["total", "count"])


def profiles(
    log: pd.DataFrame,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Arrivals, events and waiting by weekday and hour of day (a full 7 x 24 grid).

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    by : str, optional
        Compare groups: one grid per value.
    tz : str, optional
        Time zone of the clock the profile is read in (``"Asia/Vientiane"``);
        UTC when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], weekday (0 = Monday), day (``Mon``...), hour,
        arrivals`` (cases whose first event begins in that hour), ``events``
        (completions), ``waiting_median`` and ``waiting_total`` (minutes, of
        the events beginning in that hour). Empty hours have zero counts and a
        NaN median.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 09:30",
    ...                                       "2024-01-02 08:50"], utc=True),
    ...     "org:group": ["x", "y", "x"]})
    >>> p = profiles(log)
    >>> len(p)
    168
    >>> p[p["arrivals"] > 0][["day", "hour", "arrivals", "events"]]
        day  hour  arrivals  events
    8   Mon     8         1       1
    32  Tue     8         1       1
    """
    ev = prepare(log)
    _require(ev, [by] if by else [])
    begin = _local(_begin_series(ev), tz)
    end = _local(ev[TIMESTAMP], tz)
    keys = (["by"] if by else []) + ["weekday", "hour"]
    group = {"by": ev[by].to_numpy()} if by else {}
    frame = pd.DataFrame(
        {
            **group,
            "weekday": begin.dt.dayofweek.to_numpy(),
            "hour": begin.dt.hour.to_numpy(),
            "arrival": _first_last_mask(_case_codes(ev))[0],
            "waiting": ev["waiting"].to_numpy(dtype=float),
        }
    )
    done = pd.DataFrame({**group, "weekday": end.dt.dayofweek, "hour": end.dt.hour})
    g = frame.groupby(keys, observed=True, dropna=False)
    grid = [pd.unique(frame["by"])] if by else []
    grid = pd.MultiIndex.from_product([*grid, range(7), range(24)], names=keys)
    out = pd.DataFrame(
        {
            "arrivals": g["arrival"].sum(),
            "events": done.groupby(keys, observed=True, dropna=False).size(),
            "waiting_median": g["waiting"].median(),
            "waiting_total": g["waiting"].sum(),
        }
    ).reindex(grid)
    out[["arrivals", "events"]] = out[["arrivals", "events"]].fillna(0).astype(int)
    out["waiting_total"] = out["waiting_total"].fillna(0.0)
    out = out.reset_index()
    out.insert(len(keys) - 1, "day", np.array(WEEKDAY_NAMES)[out["weekday"].to_numpy()])
    return out.rename(columns={"by": by}) if by else out


def wip(
    log: pd.DataFrame,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Work in progress: cases open on each calendar day.

    A case is open on every day from the day of its first event to the day of
    its last completion, both included.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    by : str, optional
        Compare groups (the value of each case's first event).
    tz : str, optional
        Time zone whose calendar days are counted; UTC when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], date`` (a ``datetime64`` day), ``open``, ``started``,
        ``finished``; one row per day from the first to the last day of the
        log (of the group).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-03 09:00",
    ...                                       "2024-01-02 08:00", "2024-01-02 10:00"], utc=True),
    ...     "org:group": ["x", "y", "x", "y"]})
    >>> wip(log)
            date  open  started  finished
    0 2024-01-01     1        1         0
    1 2024-01-02     2        1         1
    2 2024-01-03     1        0         1
    """
    ev = prepare(log)
    _require(ev, [by] if by else [])
    frame = pd.DataFrame(
        {
            "code": _case_codes(ev),
            "b": _local(_begin_series(ev), tz).dt.tz_localize(None).dt.floor("D").to_numpy(),
            "e": _local(ev[TIMESTAMP], tz).dt.tz_localize(None).dt.floor("D").to_numpy(),
            "g": ev[by].to_numpy() if by else 0,
        }
    )
    cases = frame.groupby("code", sort=False).agg(b=("b", "min"), e=("e", "max"), g=("g", "first"))
    parts = []
    # One pass per group (a few centres or channels), vectorised over its cases.
    for group, part in cases.groupby("g", sort=False, dropna=False):
        dates = pd.date_range(part["b"].min(), part["e"].max(), freq="D")
        started = np.bincount(dates.searchsorted(part["b"]), minlength=len(dates))
        finished = np.bincount(dates.searchsorted(part["e"]), minlength=len(dates))
        # open on day d: started on or before d, not finished before d
        open_ = np.cumsum(started) - np.cumsum(finished) + finished
        out = pd.DataFrame({"date": dates, "open": open_, "started": started, "finished": finished})
        if by:
            out.insert(0, by, group)
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


# ----- helpers shared by the analysis modules of this package --------------------------


def _require(ev: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in ev.columns]
    if missing:
        from analysis.schema import LogError

        have = ", ".join(map(str, ev.columns))
        raise LogError(f"column {missing[0]!r} is not in the log (columns: {have})")


def _keys(by: str | None, column: str) -> list[str]:
    return [by, column] if by else [column]


def _case_codes(ev: pd.DataFrame) -> np.ndarray:
    """Integer codes of the case column (contiguous runs in a sorted log)."""
    return pd.factorize(ev[CASE], sort=False)[0]


def _flow_order(ev: pd.DataFrame) -> np.ndarray:
    """Row order in which a case's events are read as a path: by start, then completion.

    The prepared log is sorted by case then completion; with start timestamps,
    work that started earlier but finished later comes first in the path (the
    convention of pm4py and Disco). Returns ``arange(n)`` when nothing moves.
    """
    n = len(ev)
    if START not in ev.columns or n < 2:
        return np.arange(n)
    codes = _case_codes(ev)
    begin = _begin_values(ev)
    same = codes[1:] == codes[:-1]
    if not np.any(same & (begin[1:] < begin[:-1])):
        return np.arange(n)
    return np.lexsort((_utc_values(ev[TIMESTAMP]), begin, codes))


def _first_last_mask(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the first and the last row of each case run."""
    n = len(codes)
    first = np.ones(n, dtype=bool)
    last = np.ones(n, dtype=bool)
    if n > 1:
        same = codes[1:] == codes[:-1]
        first[1:] = ~same
        last[:-1] = ~same
    return first, last


def _utc_values(ts: pd.Series) -> np.ndarray:
    """datetime64 values in UTC, without the time zone, in nanoseconds."""
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts.to_numpy(dtype="datetime64[ns]")


def _begin_series(ev: pd.DataFrame) -> pd.Series:
    """When each event began: its start, or its completion when the start is unknown."""
    if START in ev.columns:
        return ev[START].where(ev[START].notna(), ev[TIMESTAMP])
    return ev[TIMESTAMP]


def _begin_values(ev: pd.DataFrame) -> np.ndarray:
    return _utc_values(_begin_series(ev))


def _local(ts: pd.Series, tz: str | None) -> pd.Series:
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_localize("UTC")
    return ts.dt.tz_convert(tz or "UTC")


def _categorical(values: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """``values`` at ``rows`` as a categorical (cheap for repeated labels)."""
    codes, uniques = _factor(values)
    return pd.Categorical.from_codes(codes[rows], uniques)


def _factor(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the labels they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    return pd.factorize(values)


def _plain(out: pd.DataFrame) -> pd.DataFrame:
    """A small result table with categorical columns turned back into plain labels."""
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(out[col].cat.categories.dtype)
    return out


def _rank(out: pd.DataFrame, by: Hashable | None, order: list[str]) -> pd.DataFrame:
    """Sort a table by ``order`` (descending), keeping groups together when ``by``."""
    if by:
        out = out.sort_values([by, *order], ascending=[True] + [False] * len(order), kind="stable")
    else:
        out = out.sort_values(order, ascending=False, kind="stable")
    return out.reset_index(drop=True)
