"""Silo handoffs: who passes the file to whom, how often, and what it costs the citizen.

Also the workload of each resource (clerk, desk): the other side of a
resource-level handoff table.

A *handoff* is a pair of consecutive events of a case at different agencies
(``level="agency"``, the ``org:group`` column) or different resources
(``level="resource"``, ``org:resource``). Its *delay* is the waiting time of
the receiving event (the transition time when the log has no start
timestamps). A *ping-pong* is a handoff ``A -> B`` answered by the next
handoff of the case going straight back ``B -> A``; each return counts once.
Pairs of consecutive events at the same agency are not handoffs.

When a :class:`journeys.model.Journey` is given, activities are matched to
its steps (by step id, else by step name) and each handoff takes the
``carrier`` of the journey transition between the two steps (``citizen``,
``courier``, ``digital``; empty when the journey has no such transition).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["c1"] * 4,
...     "concept:name": ["apply", "check", "fix", "approve"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 10:00",
...                                       "2024-01-02 08:00", "2024-01-02 09:00"], utc=True),
...     "org:group": ["front", "tax", "front", "tax"],
... })
>>> handoffs(log)[["source", "target", "count", "delay_total", "pingpongs"]]
  source target  count  delay_total  pingpongs
0    tax  front      1       1320.0          1
1  front    tax      2        180.0          1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analysis.bottlenecks import (
    _begin_values,
    _case_codes,
    _first_last_mask,
    _keys,
    _local,
    _plain,
    _rank,
    _require,
    _utc_values,
    directly_follows,
    prepare,
)
from analysis.schema import ACTIVITY, AGENCY, RESOURCE, TIMESTAMP

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Journey

__all__ = [
    "LEVELS",
    "handoff_events",
    "handoff_matrix",
    "handoffs",
    "pingpongs",
    "resource_workload",
    "step_of",
]

#: The columns a handoff can be read at.
LEVELS: dict[str, str] = {"agency": AGENCY, "resource": RESOURCE}


def step_of(journey: Journey) -> dict[str, str]:
    """Map activity labels to step ids: each step's id and its name.

    Ids win over names when a name equals another step's id.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> m = step_of(Journey.from_catalog("business-licence"))
    >>> m["Submit application"], m["submit"]
    ('submit', 'submit')
    """
    out = {s.name: s.id for s in journey.steps if s.name}
    out.update({s.id: s.id for s in journey.steps})
    return out


def handoff_events(
    log: pd.DataFrame,
    *,
    level: Literal["agency", "resource"] = "agency",
    journey: Journey | None = None,
    activity: str = ACTIVITY,
    by: str | None = None,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per handoff, with its delay, ping-pong flag and carrier.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    level : {"agency", "resource"}
        Read handoffs between agencies (``org:group``) or resources.
    journey : Journey, optional
        Gives each handoff the carrier of the matching journey transition.
    activity : str
        The activity column (used to match journey steps).
    by : str, optional
        A column to carry along as ``by``.
    pairs : pandas.DataFrame, optional
        :func:`analysis.bottlenecks.directly_follows` of the log (with the
        same ``by``), when already computed.

    Returns
    -------
    pandas.DataFrame
        Columns ``case, source, target`` (agencies or resources),
        ``source_activity, target_activity, delay`` (minutes),
        ``transition`` (minutes), ``pingpong`` (this handoff returns the
        previous one), ``carrier`` and ``by`` when asked.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1"] * 3,
    ...     "concept:name": ["a", "b", "c"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:20",
    ...                                       "2024-01-01 09:00"], utc=True),
    ...     "org:group": ["x", "y", "x"]})
    >>> handoff_events(log)[["source", "target", "delay", "pingpong"]]
      source target  delay  pingpong
    0      x      y   20.0     False
    1      y      x   40.0      True
    """
    column = _level_column(level)
    ev = prepare(log)
    _require(ev, [column])
    if pairs is None:
        pairs = directly_follows(ev, activity=activity, by=by)
    src_col, tgt_col = f"source_{level}", f"target_{level}"
    # Both columns share their categories, so comparing codes compares labels.
    s_codes = pairs[src_col].cat.codes.to_numpy()
    t_codes = pairs[tgt_col].cat.codes.to_numpy()
    mask = (s_codes >= 0) & (t_codes >= 0) & (s_codes != t_codes)
    h = pairs.loc[mask]
    delay = h["waiting"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "case": h["case"].array,
            "source": h[src_col].array,
            "target": h[tgt_col].array,
            "source_activity": h["source"].array,
            "target_activity": h["target"].array,
            "delay": np.where(np.isnan(delay), h["transition"].to_numpy(), delay),
            "transition": h["transition"].to_numpy(),
        }
    )
    case = out["case"].cat.codes.to_numpy()
    s_codes, t_codes = s_codes[mask], t_codes[mask]
    ping = np.zeros(len(out), dtype=bool)
    ping[1:] = (case[1:] == case[:-1]) & (t_codes[1:] == s_codes[:-1])
    out["pingpong"] = ping
    out["carrier"] = _carriers(out, journey)
    if by:
        out["by"] = h["by"].array
    return out


def handoffs(
    log: pd.DataFrame,
    *,
    level: Literal["agency", "resource"] = "agency",
    journey: Journey | None = None,
    activity: str = ACTIVITY,
    by: str | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The handoff matrix in long form: one row per ``source -> target`` pair.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    level : {"agency", "resource"}
        Agencies (``org:group``) or resources (``org:resource``).
    journey : Journey, optional
        Adds the ``carrier`` column from the journey's transitions.
    activity : str
        The activity column (used to match journey steps).
    by : str, optional
        Compare groups: one block of rows per value of this column.
    events : pandas.DataFrame, optional
        :func:`handoff_events` of the log (same level, journey and ``by``),
        when already computed.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], source, target, count, cases, case_share`` (of all
        cases of the group), ``delay_median, delay_mean, delay_p90,
        delay_total`` (minutes), ``lead_share`` (the pair's total delay over
        the total lead time of all cases of the group), ``pingpongs`` (how
        often ``source -> target`` was sent straight back) and ``carrier``
        (the most frequent carrier; empty without a journey). Sorted by total
        delay, largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
    ...     "concept:name": ["a", "b", "a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:30",
    ...                                       "2024-01-01 09:00", "2024-01-01 10:30"], utc=True),
    ...     "org:group": ["x", "y", "x", "y"]})
    >>> t = handoffs(log)
    >>> t[["source", "target", "count", "cases", "delay_median", "lead_share"]]
      source target  count  cases  delay_median  lead_share
    0      x      y      2      2          60.0         1.0
    """
    ev = prepare(log)
    if events is None:
        events = handoff_events(ev, level=level, journey=journey, activity=activity, by=by)
    h = events.assign(case=events["case"].cat.codes)
    keys = (["by"] if by else []) + ["source", "target"]
    g = h.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(
        count=("delay", "size"),
        cases=("case", "nunique"),
        delay_median=("delay", "median"),
        delay_mean=("delay", "mean"),
    )
    out["delay_p90"] = g["delay"].quantile(0.9)
    out["delay_total"] = g["delay"].sum()
    # Each return counts for the pair it answers: source -> target sent back.
    back = h.loc[h["pingpong"]]
    answered = back.rename(columns={"source": "target", "target": "source"})
    out["pingpongs"] = answered.groupby(keys, observed=True, dropna=False).size()
    out["pingpongs"] = out["pingpongs"].fillna(0).astype(int)
    out["carrier"] = _mode(h, keys, "carrier")
    out = _plain(out.reset_index())
    cases, lead = _case_totals(ev, by)
    if by:
        denom_cases = out["by"].map(cases).astype(float)
        denom_lead = out["by"].map(lead).astype(float)
    else:
        denom_cases = float(cases.iloc[0]) if len(cases) else np.nan
        denom_lead = float(lead.iloc[0]) if len(lead) else np.nan
    out.insert(out.columns.get_loc("cases") + 1, "case_share", out["cases"] / denom_cases)
    lead_share = out["delay_total"] / denom_lead
    out.insert(out.columns.get_loc("delay_total") + 1, "lead_share", lead_share)
    if by:
        out = out.rename(columns={"by": by})
    return _rank(out, by, ["delay_total", "count"])


def pingpongs(
    log: pd.DataFrame,
    *,
    level: Literal["agency", "resource"] = "agency",
    by: str | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Ping-pong between two agencies (or resources), both directions together.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    level : {"agency", "resource"}
    by : str, optional
        Compare groups.
    events : pandas.DataFrame, optional
        :func:`handoff_events` of the log (same level and ``by``), when
        already computed.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], a, b`` (the pair, ``a < b``), ``returns`` (handoffs
        that went straight back), ``cases`` (cases with at least one),
        ``case_share`` (of all cases of the group) and ``delay_total``
        (minutes spent in the returning handoffs), sorted by cases.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1"] * 4 + ["c2"] * 2,
    ...     "concept:name": ["a", "b", "a", "b", "a", "b"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 08:10",
    ...         "2024-01-01 08:20", "2024-01-01 08:30", "2024-01-01 08:00",
    ...         "2024-01-01 08:05"], utc=True),
    ...     "org:group": ["y", "x", "y", "x", "y", "x"]})
    >>> pingpongs(log)
       a  b  returns  cases  case_share  delay_total
    0  x  y        2      1         0.5         20.0
    """
    ev = prepare(log)
    h = events if events is not None else handoff_events(ev, level=level, by=by)
    back = h.loc[h["pingpong"]]
    # Order each pair by label on the integer codes (source and target share categories).
    names = back["source"].cat.categories
    rank = np.argsort(np.argsort(names.astype(str).to_numpy()))
    src, tgt = back["source"].cat.codes.to_numpy(), back["target"].cat.codes.to_numpy()
    first = rank[src] <= rank[tgt]
    frame = pd.DataFrame(
        {
            "a": pd.Categorical.from_codes(np.where(first, src, tgt), names),
            "b": pd.Categorical.from_codes(np.where(first, tgt, src), names),
            "case": back["case"].cat.codes.to_numpy(),
            "delay": back["delay"].to_numpy(),
        }
    )
    keys = ["a", "b"]
    if by:
        frame.insert(0, "by", back["by"].array)
        keys = ["by", *keys]
    g = frame.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(returns=("delay", "size"), cases=("case", "nunique"), delay_total=("delay", "sum"))
    out = _plain(out.reset_index())
    cases, _ = _case_totals(ev, by)
    denom = (
        out["by"].map(cases).astype(float)
        if by
        else (float(cases.iloc[0]) if len(cases) else np.nan)
    )
    out.insert(out.columns.get_loc("cases") + 1, "case_share", out["cases"] / denom)
    if by:
        out = out.rename(columns={"by": by})
    return _rank(out, by, ["cases", "returns"])


def handoff_matrix(table: pd.DataFrame, *, value: str = "count") -> pd.DataFrame:
    """Pivot a :func:`handoffs` table into a square source x target matrix.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`handoffs` (without ``by``).
    value : str
        The column to show: ``count``, ``cases``, ``delay_median``,
        ``delay_total``...

    Returns
    -------
    pandas.DataFrame
        Rows are sources, columns targets, both over every agency seen (in
        sorted order); counts and totals are 0 where no handoff happened,
        medians NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"source": ["x", "y"], "target": ["y", "z"], "count": [3, 1]})
    >>> handoff_matrix(t)
    target  x  y  z
    source
    x       0  3  0
    y       0  0  1
    z       0  0  0
    """
    names = sorted(set(table["source"]).union(table["target"]), key=str)
    m = table.pivot_table(index="source", columns="target", values=value, aggfunc="first")
    m = m.reindex(index=names, columns=names)
    if value in ("count", "cases", "pingpongs", "delay_total", "lead_share", "case_share"):
        m = m.fillna(0)
        if value in ("count", "cases", "pingpongs"):
            m = m.astype(int)
    m.index.name, m.columns.name = "source", "target"
    return m


def resource_workload(
    log: pd.DataFrame,
    *,
    resource: str = RESOURCE,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Per resource (clerk, desk): events, cases, busy minutes, where the log has them.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    resource : str
        The resource column; an empty table is returned when the log lacks it.
    by : str, optional
        Compare groups.
    tz : str, optional
        Time zone whose calendar days count as active days; UTC when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], resource, events, cases, activities, agency`` (the
        agency of most of its events), ``active_days``, ``events_per_day``,
        ``busy_minutes`` (sum of processing times; NaN without start
        timestamps) and ``event_share`` (of all events of the group), sorted
        by events.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 09:30",
    ...                                       "2024-01-02 08:50"], utc=True),
    ...     "org:group": ["x", "y", "x"], "org:resource": ["ann", "bob", "ann"]})
    >>> resource_workload(log)[["resource", "events", "cases", "agency", "active_days"]]
      resource  events  cases agency  active_days
    0      ann       2      2      x            2
    1      bob       1      1      y            1
    """
    ev = prepare(log)
    columns = ["resource", "events", "cases", "activities", "agency", "active_days"]
    columns += ["events_per_day", "busy_minutes", "event_share"]
    if resource not in ev.columns:
        return pd.DataFrame(columns=([by] if by else []) + columns)
    _require(ev, [by] if by else [])
    keys = _keys(by, resource)
    frame = ev[keys].copy()
    frame["_case"] = _case_codes(ev)
    frame["_act"] = pd.factorize(ev[ACTIVITY])[0] if ACTIVITY in ev.columns else 0
    frame["_day"] = _local(ev[TIMESTAMP], tz).dt.tz_localize(None).dt.floor("D").to_numpy()
    frame["processing"] = ev["processing"].astype(float)
    g = frame.groupby(keys, sort=False, observed=True, dropna=False)
    out = g.agg(
        events=("_case", "size"),
        cases=("_case", "nunique"),
        activities=("_act", "nunique"),
        active_days=("_day", "nunique"),
    )
    if AGENCY in ev.columns:
        counts = ev.groupby([*keys, AGENCY], observed=True, dropna=False).size()
        counts = counts.sort_values(ascending=False, kind="stable")
        top = counts.reset_index().drop_duplicates(keys).set_index(keys)[AGENCY]
        out["agency"] = top
    else:
        out["agency"] = np.nan
    out["events_per_day"] = out["events"] / out["active_days"]
    out["busy_minutes"] = g["processing"].sum(min_count=1)
    out = _plain(out.reset_index().rename(columns={resource: "resource"}))
    if by:
        total = out.groupby(by, dropna=False)["events"].transform("sum")
    else:
        total = out["events"].sum()
    out["event_share"] = out["events"] / total
    out = out[([by] if by else []) + columns]
    return _rank(out, by, ["events", "cases"])


# ----- helpers ------------------------------------------------------------------------


def _level_column(level: str) -> str:
    if level not in LEVELS:
        from analysis.schema import LogError

        raise LogError(f"level: must be one of {', '.join(LEVELS)}, got {level!r}")
    return LEVELS[level]


def _carriers(h: pd.DataFrame, journey: Journey | None) -> np.ndarray:
    """The journey carrier of each handoff ('' when unknown)."""
    if journey is None or h.empty:
        return np.full(len(h), "", dtype=object)
    steps = list(journey.step_ids)
    index = {s: i for i, s in enumerate(steps)}
    # A carrier per pair of steps; the extra last row and column stand for "no step".
    table = np.full((len(steps) + 1, len(steps) + 1), "", dtype=object)
    for t in journey.transitions:
        table[index[t.source], index[t.target]] = t.carrier or ""
    to_step = step_of(journey)
    src, tgt = h["source_activity"].array, h["target_activity"].array
    # Look-ups run per distinct activity (the categories), not per event.
    lookup = np.array([index.get(to_step.get(a), -1) for a in src.categories] + [-1])
    return table[lookup[src.codes], lookup[tgt.codes]]


def _mode(h: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """The most frequent non-empty value of ``column`` per group ('' when none)."""
    sub = h.loc[h[column] != "", [*keys, column]]
    if sub.empty:
        return pd.Series("", index=h.groupby(keys, sort=False, observed=True).size().index)
    counts = (
        sub.groupby([*keys, column], observed=True, dropna=False)
        .size()
        .sort_values(ascending=False, kind="stable")
    )
    top = counts.reset_index().drop_duplicates(keys).set_index(keys)[column]
    full = h.groupby(keys, sort=False, observed=True, dropna=False).size().index
    return top.reindex(full).fillna("")


def _case_totals(ev: pd.DataFrame, by: str | None) -> tuple[pd.Series, pd.Series]:
    """Number of cases and total lead time (minutes) overall or per group."""
    first, _ = _first_last_mask(_case_codes(ev))
    starts = np.flatnonzero(first)
    if len(starts) == 0:
        return pd.Series([0]), pd.Series([0.0])
    # cases are contiguous runs of rows: reduce each run in one call
    end = np.maximum.reduceat(_utc_values(ev[TIMESTAMP]), starts)
    lead = (end - np.minimum.reduceat(_begin_values(ev), starts)) / np.timedelta64(1, "m")
    if by:
        per = pd.DataFrame({"by": ev[by].to_numpy()[starts], "lead": lead})
        agg = per.groupby("by", dropna=False, observed=True)["lead"].agg(["size", "sum"])
        return agg["size"], agg["sum"]
    return pd.Series([len(lead)]), pd.Series([float(lead.sum())])
