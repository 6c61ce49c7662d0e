"""Why a step waits: a timer or legal deadline, a backlog at the desk, or a handoff.

Findings say what to do about a wait, and the cure depends on its cause: more
desks shorten a backlog, data exchange shortens a handoff, and neither
shortens a wait that a rule sets (a 60-day appeal period, a notification
deadline, a penalty added after so many days). :func:`wait_causes` reads the
cause from the shape of the waits alone, by one documented rule, the same for
every log:

* **timer** (a legal deadline or timer: the wait is set by a rule, not by a
  desk), when at least :data:`MIN_WAITS` waits are measured, their median is
  at least :data:`TIMER_MIN_DAYS` (7) days, and either

  - they are *regular*: the interquartile range is at most
    :data:`REGULAR_SPREAD` (10%) of the median (the same period again and
    again, which no queue produces), or
  - they *peak at one period*: at least :data:`PEAK_SHARE` (25%) of the
    waits have the same length to the hour, a length of at least a week (a
    ticket closed automatically 15 days after its answer; a desk's backlog
    never repeats to the hour over weeks), or
  - they are *counted in days and long*: the median is at least
    :data:`LONG_DAYS` (30) days and at least :data:`DAY_SHARE` (90%) of the
    waits are whole days (within an hour, for clock changes), as a deadline
    is set; a desk's backlog ends when a clerk picks the file up, at a clock
    time, and no working pattern lets a file wait a month at a desk;

* **handoff**, otherwise, when at least :data:`HANDOFF_SHARE` (50%) of the
  waiting minutes before the step follow a step of another named agency
  (the time for the file to move between agencies);
* **backlog** otherwise: the step waits for its own desk (staff, hours).

Fewer than :data:`MIN_WAITS` measured waits leave the cause unknown (``None``).
The rule is deliberately coarse: it tells a reform team which kind of remedy
to look at first, and the finding quotes the figures it rests on.

Examples
--------
>>> import numpy as np
>>> timer_reason(np.array([60.0, 60.0, 60.0, 61.0, 60.0]) * 1440)
'regular: half of the waits within 0.0 days of the median 60.0 days'
>>> timer_reason(np.array([10.0, 200.0, 300.0, 400.0, 900.0])) is None
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema import ACTIVITY, UNKNOWN_AGENCY

__all__ = [
    "DAY_SHARE",
    "HANDOFF_SHARE",
    "LONG_DAYS",
    "MIN_WAITS",
    "PEAK_SHARE",
    "REGULAR_SPREAD",
    "TIMER_MIN_DAYS",
    "timer_reason",
    "wait_causes",
    "with_causes",
]

MIN_WAITS: int = 5
TIMER_MIN_DAYS: float = 7.0
REGULAR_SPREAD: float = 0.10
PEAK_SHARE: float = 0.25
LONG_DAYS: float = 30.0
DAY_SHARE: float = 0.90
HANDOFF_SHARE: float = 0.50

_DAY = 1440.0
_HOUR = 60.0


def timer_reason(waits: np.ndarray) -> str | None:
    """Why these waits (minutes) look set by a timer or deadline, or ``None`` if they do not.

    NaN entries are ignored. See the module docstring for the rule.

    Examples
    --------
    >>> import numpy as np
    >>> days = np.array([31.0, 45.0, 90.0, 120.0, 400.0])
    >>> timer_reason(days * 1440)
    'counted in days: 100% of the waits are whole days, median 90.0 days'
    >>> timer_reason(days * 1440 + 125.0) is None  # clock times: a desk could have done it
    True
    """
    w = np.asarray(waits, dtype=float)
    w = w[~np.isnan(w)]
    if len(w) < MIN_WAITS:
        return None
    median = float(np.median(w))
    if median < TIMER_MIN_DAYS * _DAY:
        return None
    q1, q3 = np.quantile(w, [0.25, 0.75])
    if q3 - q1 <= REGULAR_SPREAD * median:
        return (
            f"regular: half of the waits within {(q3 - q1) / _DAY:.1f} days of the median "
            f"{median / _DAY:.1f} days"
        )
    hours, counts = np.unique(np.round(w / _HOUR), return_counts=True)
    top = int(np.argmax(counts))
    peak = counts[top] / len(w)
    if peak >= PEAK_SHARE and hours[top] * _HOUR >= TIMER_MIN_DAYS * _DAY:
        return (
            f"peaks at one period: {100 * peak:.0f}% of the waits are "
            f"{hours[top] * _HOUR / _DAY:.1f} days to the hour"
        )
    off = np.abs(w - np.round(w / _DAY) * _DAY)
    whole = float(np.mean(off <= _HOUR))
    if median >= LONG_DAYS * _DAY and whole >= DAY_SHARE:
        return (
            f"counted in days: {100 * whole:.0f}% of the waits are whole days, median "
            f"{median / _DAY:.1f} days"
        )
    return None


def wait_causes(
    ev: pd.DataFrame,
    moves: pd.DataFrame | None = None,
    *,
    activity: str = ACTIVITY,
) -> pd.DataFrame:
    """The likely cause of the waiting before each activity (rule: module docstring).

    Parameters
    ----------
    ev : pandas.DataFrame
        A log with per-event ``waiting`` (:func:`analysis.kpis.event_times`).
    moves : pandas.DataFrame, optional
        :func:`analysis.handoffs.handoff_events` of the same log (agency
        level); without it no wait counts as a handoff.
    activity : str
        The activity column.

    Returns
    -------
    pandas.DataFrame
        Indexed by activity: ``waits`` (measured), ``handoff_share`` (of the
        waiting minutes), ``cause`` (``"timer"``, ``"handoff"``,
        ``"backlog"`` or ``None``) and ``cause_reason`` (the figures behind a
        timer, else ``""``).

    Examples
    --------
    >>> import pandas as pd
    >>> day = pd.Timedelta(days=1)
    >>> t0 = pd.Timestamp("2024-01-01", tz="UTC")
    >>> rows = []
    >>> for i in range(6):  # a fine, then a penalty exactly 60 days later, then payment
    ...     rows += [(f"c{i}", "fine", t0 + i * day), (f"c{i}", "penalty", t0 + (60 + i) * day),
    ...              (f"c{i}", "pay", t0 + (60 + i) * day + pd.Timedelta(hours=2 + i))]
    >>> log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name",
    ...                                   "time:timestamp"]).assign(**{"org:group": "x"})
    >>> from analysis.kpis import event_times
    >>> wait_causes(event_times(log))[["waits", "cause"]]
             waits    cause
    activity
    pay          6  backlog
    penalty      6    timer
    """
    acts = _text(ev[activity])
    waits = ev["waiting"].to_numpy(dtype=float)
    known = ~np.isnan(waits)
    frame = pd.DataFrame({"activity": acts[known], "w": waits[known]})
    handed = pd.Series(0.0, index=pd.Index([], name="activity"))
    if moves is not None and len(moves):
        named = (_text(moves["source"]) != UNKNOWN_AGENCY) & (
            _text(moves["target"]) != UNKNOWN_AGENCY
        )
        m = moves[named]
        handed = m["delay"].astype(float).groupby(_text(m["target_activity"])).sum()
    rows = []
    for name, w in frame.groupby("activity", sort=True)["w"]:
        values = w.to_numpy()
        total = float(values.sum())
        share = float(handed.get(name, 0.0)) / total if total > 0 else 0.0
        reason = timer_reason(values)
        if len(values) < MIN_WAITS:
            cause = None
        elif reason is not None:
            cause = "timer"
        elif share >= HANDOFF_SHARE:
            cause = "handoff"
        else:
            cause = "backlog"
        rows.append((name, len(values), min(share, 1.0), cause, reason or ""))
    out = pd.DataFrame(
        rows, columns=["activity", "waits", "handoff_share", "cause", "cause_reason"]
    )
    return out.set_index("activity")


def with_causes(
    ev: pd.DataFrame, moves: pd.DataFrame, acts: pd.DataFrame, hand: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The activity and handoff tables with the likely cause of their waits.

    Activities get ``cause``, ``cause_reason`` and ``handoff_share``
    (:func:`analysis.causes.wait_causes`); agency pairs get ``cause``
    (``"timer"`` when their delays look set by a rule,
    :func:`analysis.causes.timer_reason`, else ``"handoff"``) and
    ``cause_reason``. Used by :func:`analysis.mining.mine`.
    """
    causes = wait_causes(ev, moves)
    names = acts["activity"].astype(str)
    acts = acts.assign(
        cause=names.map(causes["cause"]).astype(object).where(names.isin(causes.index), None),
        cause_reason=names.map(causes["cause_reason"]).fillna(""),
        handoff_share=names.map(causes["handoff_share"]),
    )
    if len(hand) and len(moves):
        delays = moves.groupby([_text(moves["source"]), _text(moves["target"])], sort=False)[
            "delay"
        ]
        reasons = {pair: timer_reason(d.to_numpy(dtype=float)) for pair, d in delays}
        keys = list(zip(hand["source"].astype(str), hand["target"].astype(str)))
        hand = hand.assign(
            cause=["timer" if reasons.get(k) else "handoff" for k in keys],
            cause_reason=[reasons.get(k) or "" for k in keys],
        )
    return acts, hand


def _text(values: pd.Series) -> np.ndarray:
    """The values as text, like ``astype(str)``; a categorical maps its few categories once.

    Converting a million-row categorical with ``astype(str)`` builds every
    string anew; taking the category names by code is many times faster.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = np.append(values.cat.categories.astype(str).to_numpy(dtype=object), "nan")
        codes = values.cat.codes.to_numpy()
        return names[np.where(codes < 0, len(names) - 1, codes)]
    return values.astype(str).to_numpy(dtype=object)

