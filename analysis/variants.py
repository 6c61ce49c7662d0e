"""Process variants (the distinct paths cases take) and rework per activity.

A case's *variant* is its sequence of activities in time order (the order
work began, as for the directly-follows graph). The variants
table counts cases per variant, so a consultant sees whether a handful of
paths cover most citizens or whether every file takes its own road. *Rework*
is an activity done more than once in a case: each execution after the first
is an extra execution (a file sent back, a form re-submitted).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({
...     "case:concept:name": ["c1", "c1", "c2", "c2", "c3", "c3", "c3"],
...     "concept:name": ["a", "b", "a", "b", "a", "a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"] * 2
...         + ["2024-01-01 08:00", "2024-01-01 08:30", "2024-01-01 11:00"], utc=True),
...     "org:group": ["x"] * 7,
... })
>>> variants(log)[["variant", "cases", "share", "cumulative_share"]]
      variant  cases     share  cumulative_share
0      a -> b      2  0.666667          0.666667
1  a -> a -> b      1  0.333333          1.000000
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bottlenecks import (
    _begin_values,
    _case_codes,
    _factor,
    _first_last_mask,
    _flow_order,
    _rank,
    _require,
    _utc_values,
    prepare,
)
from analysis.schema import ACTIVITY, CASE, TIMESTAMP

__all__ = ["SEPARATOR", "case_variants", "rework", "variants"]

#: How activities are joined into a variant label.
SEPARATOR: str = " -> "

# Activity k is written as chr(_FIRST_CHAR + k) in the compact variant keys.
_FIRST_CHAR = 0x100


def case_variants(log: pd.DataFrame, *, activity: str = ACTIVITY) -> pd.Series:
    """The variant (joined activity sequence) of every case, indexed by case id.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...                                       "2024-01-01 08:00"], utc=True),
    ...     "org:group": ["x"] * 3})
    >>> case_variants(log).to_dict()
    {'c1': 'a -> b', 'c2': 'a'}
    """
    ev = prepare(log)
    _require(ev, [activity])
    order, starts, keys, names = _variant_keys(ev, activity)
    codes, uniques = pd.factorize(keys)
    labels = np.array([_label(k, names) for k in uniques], dtype=object)
    index = pd.Index(ev[CASE].to_numpy()[order[starts]], name=CASE)
    return pd.Series(labels[codes], index=index, name="variant")


def variants(
    log: pd.DataFrame,
    *,
    top: int | None = 10,
    activity: str = ACTIVITY,
    by: str | None = None,
) -> pd.DataFrame:
    """The most frequent variants with their coverage of cases.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    top : int or None
        Keep this many variants (per group); all when ``None``.
    activity : str
        The activity column.
    by : str, optional
        Compare groups (the value of each case's first event).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], rank, variant, events`` (length of the path),
        ``cases``, ``share`` (of the cases of the group),
        ``cumulative_share``, ``lead_median`` and ``lead_mean`` (minutes),
        most frequent first. ``attrs["distinct"]`` holds the number of
        distinct variants in the log.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"],
    ...     "concept:name": ["a", "b", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...                                       "2024-01-01 08:00"], utc=True),
    ...     "org:group": ["x"] * 3})
    >>> variants(log)[["rank", "variant", "events", "cases", "lead_median"]]
       rank variant  events  cases  lead_median
    0     1  a -> b       2      1         60.0
    1     2       a       1      1          0.0
    """
    ev = prepare(log)
    _require(ev, [activity] + ([by] if by else []))
    per_case = _per_case(ev, activity, by)
    keys = (["by"] if by else []) + ["key"]
    g = per_case.groupby(keys, sort=False, dropna=False)
    out = g.agg(
        events=("events", "first"),
        cases=("lead", "size"),
        lead_median=("lead", "median"),
        lead_mean=("lead", "mean"),
    ).reset_index()
    out = _rank(out, "by" if by else None, ["cases"])
    if by:
        total = out.groupby("by", dropna=False)["cases"].transform("sum")
        out["share"] = out["cases"] / total
        out["cumulative_share"] = out.groupby("by", dropna=False)["share"].cumsum()
        out["rank"] = out.groupby("by", dropna=False).cumcount() + 1
    else:
        out["share"] = out["cases"] / out["cases"].sum()
        out["cumulative_share"] = out["share"].cumsum()
        out["rank"] = np.arange(1, len(out) + 1)
    if top is not None:
        out = out[out["rank"] <= top]
    out = out.assign(variant=[_label(k, per_case.attrs["names"]) for k in out["key"]])
    columns = ["rank", "variant", "events", "cases", "share", "cumulative_share"]
    columns += ["lead_median", "lead_mean"]
    out = out[(["by"] if by else []) + columns].reset_index(drop=True)
    if by:
        out = out.rename(columns={"by": by})
    out.attrs["distinct"] = int(per_case["key"].nunique())
    return out


def rework(
    log: pd.DataFrame,
    *,
    activity: str = ACTIVITY,
    by: str | None = None,
) -> pd.DataFrame:
    """Per activity: how many cases repeat it and how many extra executions that makes.

    Parameters
    ----------
    log : pandas.DataFrame
        Canonical event log (or ``event_times`` output).
    activity : str
        The activity column.
    by : str, optional
        Compare groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], activity, events, cases`` (cases doing it at least
        once), ``rework_cases`` (cases doing it more than once),
        ``rework_share`` (rework cases over all cases of the group),
        ``rework_share_of_activity`` (over the cases doing it),
        ``extra_executions`` (events beyond the first per case) and
        ``max_repeats`` (most executions in one case), sorted by rework cases.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c1", "c1", "c1", "c2"],
    ...     "concept:name": ["a", "a", "a", "a"],
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...         "2024-01-01 10:00", "2024-01-01 08:00"], utc=True),
    ...     "org:group": ["x"] * 4})
    >>> cols = ["events", "cases", "rework_cases", "rework_share", "extra_executions"]
    >>> rework(log)[cols].iloc[0].tolist()
    [4.0, 2.0, 1.0, 0.5, 2.0]
    """
    ev = prepare(log)
    _require(ev, [activity] + ([by] if by else []))
    case = _case_codes(ev).astype(np.int64)
    act, act_names = pd.factorize(ev[activity], use_na_sentinel=False)
    if isinstance(act_names, pd.CategoricalIndex):
        act_names = act_names.astype(act_names.categories.dtype)
    grp, grp_names = pd.factorize(
        ev[by].to_numpy() if by else np.zeros(len(ev)), use_na_sentinel=False
    )
    # One integer per (group, case, activity); counting equal integers gives the
    # executions of each activity in each case without grouping strings.
    n_act, n_case = max(len(act_names), 1), int(case.max()) + 1 if len(case) else 1
    key = (grp.astype(np.int64) * n_case + case) * n_act + act
    uniq, n = np.unique(key, return_counts=True)
    per = pd.DataFrame({"g": uniq // (n_case * n_act), "a": uniq % n_act, "n": n})
    per["case"] = (uniq // n_act) % n_case
    per["again"] = per["n"] > 1
    g = per.groupby(["g", "a"], sort=False)
    out = g.agg(
        events=("n", "sum"),
        cases=("n", "size"),
        rework_cases=("again", "sum"),
        max_repeats=("n", "max"),
    ).reset_index()
    out["extra_executions"] = out["events"] - out["cases"]
    out["activity"] = pd.Index(act_names)[out["a"].to_numpy()]
    total = per.groupby("g")["case"].nunique()
    denom = out["g"].map(total)
    if by:
        out["by"] = pd.Index(grp_names)[out["g"].to_numpy()]
    out["rework_share"] = out["rework_cases"] / denom
    out["rework_share_of_activity"] = out["rework_cases"] / out["cases"]
    columns = ["activity", "events", "cases", "rework_cases", "rework_share"]
    columns += ["rework_share_of_activity", "extra_executions", "max_repeats"]
    out = out[(["by"] if by else []) + columns]
    out = _rank(out, "by" if by else None, ["rework_cases", "extra_executions", "events"])
    if by:
        out = out.rename(columns={"by": by})
    return out


def _variant_keys(
    ev: pd.DataFrame, activity: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """A compact key per case: one character per activity, concatenated in path order.

    Returns the flow order of the rows, the position (in that order) where
    each case starts, the key of each case and the activity names the
    characters stand for. Keys are built by ``numpy.add.reduceat`` over the
    rows (string concatenation in C) and compared by hashing, so no Python
    code runs per case; labels are spelt out only for the variants shown.
    """
    order = _flow_order(ev)
    codes, names = _factor(ev[activity])
    codes = np.where(codes < 0, len(names), codes)[order]  # a missing activity: its own char
    chars = np.array([chr(_FIRST_CHAR + i) for i in range(len(names) + 1)], dtype=object)
    names = pd.Index([*names, "(missing)"], dtype=object)
    first, _ = _first_last_mask(_case_codes(ev)[order])
    starts = np.flatnonzero(first)
    keys = np.add.reduceat(chars[codes], starts) if len(starts) else np.array([], dtype=object)
    return order, starts, keys, names


def _label(key: str, names: pd.Index) -> str:
    return SEPARATOR.join(str(names[ord(c) - _FIRST_CHAR]) for c in key)


def _per_case(ev: pd.DataFrame, activity: str, by: str | None) -> pd.DataFrame:
    """Variant key, length, lead time and group of every case (vectorised)."""
    order, starts, keys, names = _variant_keys(ev, activity)
    b = _begin_values(ev)[order]
    e = _utc_values(ev[TIMESTAMP])[order]
    out = pd.DataFrame(
        {
            "key": keys,
            "events": np.diff(np.append(starts, len(order))),
            "lead": (np.maximum.reduceat(e, starts) - np.minimum.reduceat(b, starts))
            / np.timedelta64(1, "m"),
        }
    )
    if by:
        out["by"] = ev[by].to_numpy()[order[starts]]
    out.attrs["names"] = names
    return out
