"""The likely cause of each wait on the scale engine: :func:`analysis.causes.with_causes`.

The rule is that of :mod:`analysis.causes` (a timer or legal deadline, a
handoff, a backlog at the desk), read from the same figures, here from
mergeable partials instead of every wait:

* per activity, value counts of the measured waits (exact medians and
  quartiles, and the histogram of waits to the hour and to the day that the
  timer rule reads);
* per receiving activity, the total delay of the handoffs between two named
  agencies (carried by the agency partial of :mod:`analysis.scale.flows`);
* per agency pair, the handoff delays (the same partial, one row per handoff).

Only the activities and pairs whose median wait reaches
:data:`analysis.causes.TIMER_MIN_DAYS` have their value counts read into
numpy (the other parts of the rule need the median alone).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> from analysis.scale.events import build_events
>>> from analysis.scale.partials import combine, run_partials
>>> from analysis.scale.flows import handoffs_finish
>>> day, t0 = pd.Timedelta(days=1), pd.Timestamp("2024-01-01", tz="UTC")
>>> rows = []
>>> for i in range(6):  # a fine, then a penalty exactly 60 days later, then payment
...     rows += [(f"c{i}", "fine", t0 + i * day, "police"),
...              (f"c{i}", "penalty", t0 + (60 + i) * day, "court"),
...              (f"c{i}", "pay", t0 + (60 + i) * day + pd.Timedelta(hours=2 + i), "court")]
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp",
...     "org:group"]).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> parts = causes_partials(log)
>>> combine(con, [run_partials(con, parts)], parts)
>>> acts = pd.DataFrame({"activity": ["pay", "penalty", "fine"]})
>>> acts, hand = with_causes_finish(con, log, acts, handoffs_finish(con, log))
>>> acts[["activity", "cause", "handoff_share"]]
  activity    cause  handoff_share
0      pay  backlog            0.0
1  penalty    timer            1.0
2     fine     None            NaN
>>> hand[["source", "target", "cause"]]
   source target  cause
0  police  court  timer
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.causes import (
    DAY_SHARE,
    HANDOFF_SHARE,
    LONG_DAYS,
    MIN_WAITS,
    PEAK_SHARE,
    REGULAR_SPREAD,
    TIMER_MIN_DAYS,
)
from analysis.scale.bottlenecks import activity_stats_partials
from analysis.scale.events import NS_PER_MINUTE
from analysis.scale.flows import _cases_partial, _level_partials, _pair_hash
from analysis.scale.partials import Partial, quantiles
from analysis.scale.source import ScaleLog

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["causes_partials", "with_causes_finish"]

_MINUTE = float(NS_PER_MINUTE)
_DAY = 1440.0
_HOUR = 60.0


def causes_partials(log: ScaleLog) -> list[Partial]:
    """The mergeable parts of :func:`analysis.causes.with_causes` for one partition.

    The agency partials of :mod:`analysis.scale.flows` and the activity
    table's partials ``act`` and ``act_wait`` (the value counts of the
    measured waits per activity), all shared with those tables: same names,
    run once.
    """
    act, act_wait = activity_stats_partials(log)[:2]
    return [
        *_level_partials(log, level="agency", by=None),
        _cases_partial(None),
        act,
        act_wait,
    ]


def _waits_view(con: duckdb.DuckDBPyConnection) -> None:
    """The view ``c_fl_waits`` (activity, value, n): the waits' value counts under their labels.

    ``c_act_wait`` keys them by the activity's hash; ``c_act`` holds each
    hash's label.
    """
    con.execute(
        "CREATE OR REPLACE TEMP VIEW c_fl_waits AS SELECT a.activity AS act, w.value, w.n "
        "FROM c_act_wait AS w JOIN (SELECT DISTINCT activity, h FROM c_act) AS a USING (h)"
    )


def with_causes_finish(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    acts: pd.DataFrame,
    hand: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The activity and handoff tables with the likely cause of their waits.

    Parameters
    ----------
    con : duckdb connection
        Holding the ``c_*`` tables of :func:`causes_partials`.
    log : ScaleLog
    acts : pandas.DataFrame
        The activity table (a column ``activity``), e.g. of
        :func:`analysis.bottlenecks.activity_stats`.
    hand : pandas.DataFrame
        The agency handoff table without ``by``
        (:func:`analysis.scale.flows.handoffs_finish`).

    Returns
    -------
    (acts, hand)
        As :func:`analysis.causes.with_causes`: activities gain ``cause``,
        ``cause_reason`` and ``handoff_share``; agency pairs ``cause``
        (``"timer"`` or ``"handoff"``) and ``cause_reason``.
    """
    _waits_view(con)
    causes = _wait_causes(con)
    names = acts["activity"].astype(str)
    acts = acts.assign(
        cause=names.map(causes["cause"]).astype(object).where(names.isin(causes.index), None),
        cause_reason=names.map(causes["cause_reason"]).fillna(""),
        handoff_share=names.map(causes["handoff_share"]),
    )
    moved = con.execute("SELECT count(*) FROM c_fl_agency WHERE kind = 'pair'").fetchone()[0]
    if len(hand) and moved:
        # the delays are keyed by the pair's hash (analysis.scale.flows._pair_hash)
        reasons = _reasons(con, "(SELECT h AS k1, value, 1 AS n FROM c_fl_agency_delays)", ("k1",))
        pairs = pd.DataFrame(
            {
                "s": hand["source"].astype(str).to_numpy(),
                "t": hand["target"].astype(str).to_numpy(),
                "i": np.arange(len(hand)),
            }
        )
        con.register("odsc_pairs", pairs)
        hashes = con.execute(
            f"SELECT {_pair_hash(None, 's', 't')} AS h FROM odsc_pairs ORDER BY i"
        ).fetchnumpy()["h"]
        con.unregister("odsc_pairs")
        keys = [(str(h),) for h in hashes.tolist()]
        hand = hand.assign(
            cause=["timer" if reasons.get(k) else "handoff" for k in keys],
            cause_reason=[reasons.get(k) or "" for k in keys],
        )
    return acts, hand


def _wait_causes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """:func:`analysis.causes.wait_causes` from the merged value counts."""
    totals = con.execute(
        "SELECT act, sum(n) AS waits, CAST(sum(CAST(value AS HUGEINT) * n) AS DOUBLE) AS total "
        "FROM c_fl_waits GROUP BY act ORDER BY act"
    ).df()
    handed = con.execute(
        "SELECT s AS act, CAST(sum(delay_ns) AS DOUBLE) AS handed FROM c_fl_agency "
        "WHERE kind = 'handed' GROUP BY s"
    ).df()
    handed = dict(zip(handed["act"].astype(str), handed["handed"]))
    reasons = _reasons(con, "(SELECT act AS k1, value, n FROM c_fl_waits)", ("k1",))
    rows = []
    for name, waits, total in zip(totals["act"].astype(str), totals["waits"], totals["total"]):
        share = handed.get(name, 0.0) / total if total > 0 else 0.0
        reason = reasons.get((name,))
        if waits < MIN_WAITS:
            cause = None
        elif reason is not None:
            cause = "timer"
        elif share >= HANDOFF_SHARE:
            cause = "handoff"
        else:
            cause = "backlog"
        rows.append((name, int(waits), min(share, 1.0), cause, reason or ""))
    out = pd.DataFrame(
        rows, columns=["activity", "waits", "handoff_share", "cause", "cause_reason"]
    )
    return out.set_index("activity")


def _reasons(
    con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...]
) -> dict[tuple[str, ...], str | None]:
    """:func:`analysis.causes.timer_reason` of every key's values (value counts in ns).

    The count and the median decide most keys; only the others' value counts
    are read.
    """
    cols = ", ".join(keys)
    out: dict[tuple[str, ...], str | None] = {
        tuple(str(v) for v in row): None
        for row in con.execute(f"SELECT DISTINCT {cols} FROM {table}").fetchall()
    }
    # A median of a week or more needs a longest wait of a week or more: the quantiles
    # are read only for the keys that pass (a margin keeps float rounding out of it).
    floor = int(TIMER_MIN_DAYS * _DAY * _MINUTE * 0.999)
    gated = (
        f"(SELECT v.* FROM {table} AS v SEMI JOIN (SELECT {cols} FROM {table} "
        f"GROUP BY {cols} HAVING sum(n) >= {MIN_WAITS} AND max(value) >= {floor}) AS g "
        f"ON {' AND '.join(f'v.{k} = g.{k}' for k in keys)})"
    )
    q = quantiles(con, gated, keys=keys, levels=(0.25, 0.5, 0.75), scale=_MINUTE)
    long = q[(q["count"] >= MIN_WAITS) & (q["q0.5"] >= TIMER_MIN_DAYS * _DAY)]
    if long.empty:
        return out
    con.register("odsc_long_keys", long[list(keys)])
    on = " AND ".join(f"v.{k} = l.{k}" for k in keys)
    values = con.execute(
        f"SELECT {', '.join('v.' + k for k in keys)}, v.value, v.n FROM {table} AS v "
        f"JOIN odsc_long_keys AS l ON {on} ORDER BY {', '.join('v.' + k for k in keys)}, v.value"
    ).df()
    con.unregister("odsc_long_keys")
    grouped = values.groupby(list(keys), sort=False)
    for row in long.itertuples(index=False):
        key = tuple(row[: len(keys)])
        part = grouped.get_group(key)
        minutes = part["value"].to_numpy(dtype=float) / _MINUTE
        counts = part["n"].to_numpy(dtype=np.int64)
        quart = (row[len(keys)], row[len(keys) + 1], row[len(keys) + 2])
        out[tuple(str(v) for v in key)] = _timer_reason_counts(minutes, counts, quart)
    return out


def _timer_reason_counts(
    w: np.ndarray, counts: np.ndarray, quartiles: tuple[float, float, float]
) -> str | None:
    """:func:`analysis.causes.timer_reason` of values ``w`` (minutes) repeated ``counts`` times.

    Written against value counts rather than calling ``timer_reason`` on the
    repeated values, which would rebuild every wait of a national log; the
    quartiles come exact from :func:`analysis.scale.partials.quantiles`.

    Examples
    --------
    >>> w = np.array([60.0, 61.0]) * 1440
    >>> _timer_reason_counts(w, np.array([4, 1]), (86400.0, 86400.0, 86400.0))
    'regular: half of the waits within 0.0 days of the median 60.0 days'
    """
    q1, median, q3 = quartiles
    n = int(counts.sum())
    if n < MIN_WAITS or median < TIMER_MIN_DAYS * _DAY:
        return None
    if q3 - q1 <= REGULAR_SPREAD * median:
        return (
            f"regular: half of the waits within {(q3 - q1) / _DAY:.1f} days of the median "
            f"{median / _DAY:.1f} days"
        )
    hours, where = np.unique(np.round(w / _HOUR), return_inverse=True)
    per_hour = np.bincount(where, weights=counts)
    top = int(np.argmax(per_hour))
    peak = per_hour[top] / n
    if peak >= PEAK_SHARE and hours[top] * _HOUR >= TIMER_MIN_DAYS * _DAY:
        return (
            f"peaks at one period: {100 * peak:.0f}% of the waits are "
            f"{hours[top] * _HOUR / _DAY:.1f} days to the hour"
        )
    off = np.abs(w - np.round(w / _DAY) * _DAY)
    whole = float(counts[off <= _HOUR].sum() / n)
    if median >= LONG_DAYS * _DAY and whole >= DAY_SHARE:
        return (
            f"counted in days: {100 * whole:.0f}% of the waits are whole days, median "
            f"{median / _DAY:.1f} days"
        )
    return None
