"""A measured handoff delay in two parts: the transfer and the backlog.

A dossier that moves from one agency to another waits for two reasons that
redesigns treat differently (DESIGN.md, "Real logs"):

* the **transfer**: until the receiving agency could have started on it
  (the citizen carrying papers, a courier's batch, travel): what data
  exchange removes;
* the **backlog**: then waiting for the receiving desk (work ahead of it) or
  its working hours: what only more desks, longer hours or an agreed service
  standard shorten.

:func:`split_handoffs` splits every observed handoff delay, by one of two
rules, and says which:

``"resource"`` (the log has start times and the receiving event names its clerk)
    The dossier is taken to have reached the receiving clerk at the last
    moment before the clerk started on it at which the clerk was free (not
    working on another event of the log) and on duty (inside the opening
    hours, in the log's clock). Everything before that moment is transfer;
    everything after it, while the clerk was busy or off duty, is backlog.
    A clerk who is never seen idle during the wait gives a pure backlog; a
    clerk idle and open right up to the start gives a pure transfer.
``"baseline"`` (otherwise: completion times only)
    What the receiving agency takes to pick up work that reaches it from its
    own desks is its backlog; what a handoff takes beyond that is transfer.
    Per pair of agencies, the backlog share is ``min(1, B / H)``, ``B`` the
    median delay of the transitions between steps of the receiving agency and
    ``H`` the median delay of the pair's handoffs; each observed delay is split
    in that proportion. A receiving agency with no transition of its own gives
    no baseline, and the whole delay counts as backlog: nothing is claimed
    for data exchange that the log cannot show.

Examples
--------
>>> import numpy as np, pandas as pd
>>> pairs = pd.DataFrame({"source_agency": ["A", "A", "B", "B"],
...                       "target_agency": ["B", "B", "B", "B"]})
>>> s = split_handoffs(pairs, np.array([100.0, 300.0, 50.0, 50.0]))
>>> s.transfer.tolist(), s.backlog.tolist(), s.method
([75.0, 225.0, 0.0, 0.0], [25.0, 75.0, 50.0, 50.0], 'baseline')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeys.model import WEEKDAYS, Calendar

__all__ = ["HandoffSplit", "observed_split", "split_handoffs"]

_MINUTE = np.timedelta64(60, "s")


@dataclass(frozen=True)
class HandoffSplit:
    """Transfer and backlog of each observed delay (minutes), and how they were split.

    Attributes
    ----------
    transfer, backlog : numpy.ndarray
        Per observation; they add up to the delay. Transitions within one
        agency are all backlog.
    handoff : numpy.ndarray of bool
        Which observations are handoffs between agencies.
    method : {"resource", "baseline"}
    no_baseline : tuple of str
        Receiving agencies without a transition of their own (``baseline``
        rule: their handoffs are all backlog).
    """

    transfer: np.ndarray
    backlog: np.ndarray
    handoff: np.ndarray
    method: str
    no_baseline: tuple[str, ...] = ()


def split_handoffs(
    pairs: pd.DataFrame,
    delays: np.ndarray,
    *,
    starts: np.ndarray | None = None,
    busy: pd.DataFrame | None = None,
    calendar: Calendar | None = None,
) -> HandoffSplit:
    """Split observed delays into transfer and backlog (rules: module docs).

    Parameters
    ----------
    pairs : pandas.DataFrame
        One row per observation with ``source_agency`` and ``target_agency``,
        and ``target_resource`` for the ``resource`` rule (the output of
        :func:`analysis.bottlenecks.directly_follows`).
    delays : numpy.ndarray
        The delay of each observation, minutes (not below 0).
    starts : numpy.ndarray, optional
        The start of each receiving event (``datetime64``, the log's clock);
        with ``busy`` and ``calendar`` it selects the ``resource`` rule.
    busy : pandas.DataFrame, optional
        Every event's ``resource``, ``begin`` and ``end`` (``datetime64``).
    calendar : journeys.model.Calendar, optional
        The opening hours (in the same clock).

    Examples
    --------
    A clerk busy from 09:00 to 10:00 on another case: a dossier ready at 08:00
    and started at 10:00 was transferred until 09:00, then waited an hour.

    >>> import numpy as np, pandas as pd
    >>> from journeys.model import Calendar
    >>> t = lambda s: np.datetime64(f"2024-03-04T{s}")
    >>> pairs = pd.DataFrame({"source_agency": ["A"], "target_agency": ["B"],
    ...                       "target_resource": ["r1"]})
    >>> busy = pd.DataFrame({"resource": ["r1", "r1"], "begin": [t("09:00"), t("10:00")],
    ...                      "end": [t("10:00"), t("10:30")]})
    >>> s = split_handoffs(pairs, np.array([120.0]), starts=np.array([t("10:00")]),
    ...                    busy=busy, calendar=Calendar("c", (("08:00", "17:00"),)))
    >>> s.transfer.tolist(), s.backlog.tolist(), s.method
    ([60.0], [60.0], 'resource')
    """
    delays = np.clip(np.asarray(delays, dtype=float), 0, None)
    src = pairs["source_agency"].astype(str).to_numpy()
    dst = pairs["target_agency"].astype(str).to_numpy()
    handoff = src != dst
    usable = (
        starts is not None
        and busy is not None
        and calendar is not None
        and "target_resource" in pairs.columns
        and pairs["target_resource"].notna().any()
    )
    if usable:
        transfer = _by_resource(pairs, delays, starts, busy, calendar)  # type: ignore[arg-type]
        transfer = np.where(handoff, transfer, 0.0)
        return HandoffSplit(transfer, delays - transfer, handoff, "resource")
    frame = pd.DataFrame({"s": src, "d": dst, "x": delays})
    inside = frame[~handoff].groupby("d")["x"].median()
    across = frame[handoff].groupby(["s", "d"])["x"].median()
    share = np.ones(len(frame))
    missing: set[str] = set()
    for (a, b), h in across.items():
        rows = handoff & (src == a) & (dst == b)
        if b not in inside.index:
            missing.add(str(b))
            continue
        share[rows] = 1.0 if h <= 0 else min(1.0, float(inside[b]) / float(h))
    backlog = np.where(handoff, delays * share, delays)
    return HandoffSplit(delays - backlog, backlog, handoff, "baseline", tuple(sorted(missing)))


def _by_resource(
    pairs: pd.DataFrame,
    delays: np.ndarray,
    starts: np.ndarray,
    busy: pd.DataFrame,
    calendar: Calendar,
) -> np.ndarray:
    """Transfer minutes by the ``resource`` rule (0 where the clerk or start is unknown)."""
    epoch = np.datetime64("1970-01-01T00:00:00", "ns")
    begin = (busy["begin"].to_numpy("datetime64[ns]") - epoch) / _MINUTE
    end = (busy["end"].to_numpy("datetime64[ns]") - epoch) / _MINUTE
    ok = ~np.isnan(begin) & ~np.isnan(end) & busy["resource"].notna().to_numpy()
    clerks = pd.Index(pd.unique(busy["resource"].to_numpy()[ok]))
    code = clerks.get_indexer(busy["resource"].to_numpy()[ok]).astype(float)
    target = clerks.get_indexer(pairs["target_resource"].astype(object).to_numpy())
    start = (np.asarray(starts, dtype="datetime64[ns]") - epoch) / _MINUTE
    known = (target >= 0) & ~np.isnan(start)
    if not known.any() or not ok.any():
        return np.zeros(len(delays))
    base = min(float(begin[ok].min()), float(np.nanmin(start))) - 1.0
    span = max(float(end[ok].max()), float(np.nanmax(start))) - base + 1e5
    # merged busy blocks of each clerk, the clerks apart on one axis
    kb = code * span + (begin[ok] - base)
    ke = code * span + (end[ok] - base)
    order = np.argsort(kb, kind="stable")
    kb, ke = kb[order], ke[order]
    reach = np.maximum.accumulate(ke)
    first = np.ones(len(kb), dtype=bool)
    first[1:] = kb[1:] > reach[:-1]
    block = np.cumsum(first) - 1
    block_begin = kb[first]
    block_end = pd.Series(reach).groupby(block).max().to_numpy()
    opens, closes = _open_intervals(calendar, base, base + span)

    offset = np.where(known, target, 0) * span - base  # axis position = minutes + offset
    ready = np.where(known, start - delays, 0.0)
    t = np.where(known, start, 0.0)
    for _ in range(100):  # back through busy blocks and closed hours until the clerk is free
        prev = t
        key = t + offset
        i = np.searchsorted(block_begin, key, side="left") - 1  # blocks begun before t
        j = np.clip(i, 0, None)
        inside = (i >= 0) & (block_end[j] >= key) & (block_begin[j] >= offset + base)
        t = np.where(inside, block_begin[j] - offset, t)
        t = np.maximum(_last_open(t, opens, closes), ready)
        if np.array_equal(prev, t):
            break
    return np.where(known, np.clip(t - ready, 0.0, delays), 0.0)


def _open_intervals(cal: Calendar, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Opening intervals (minutes since the epoch) covering ``lo`` to ``hi``, sorted."""
    day0 = np.floor(lo / 1440.0) - 8
    days = np.arange(day0, np.floor(hi / 1440.0) + 2)
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    open_days = {WEEKDAYS.index(d) for d in cal.days}
    holidays = {(np.datetime64(h) - np.datetime64("1970-01-01")).astype(int) for h in cal.holidays}
    keep = np.array([w in open_days and int(d) not in holidays for d, w in zip(days, weekday)])
    days = days[keep] if len(days) else days
    opens, closes = [], []
    for a, b in cal.intervals_minutes():
        opens.append(days * 1440.0 + a)
        closes.append(days * 1440.0 + b)
    o, c = np.concatenate(opens), np.concatenate(closes)
    order = np.argsort(o)
    return o[order], c[order]


def _last_open(t: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """``t`` when the desk is open just before it, else the last closing time before it."""
    if not len(opens):
        return t
    i = np.searchsorted(opens, np.nan_to_num(t), side="left") - 1  # intervals opened before t
    ok = i >= 0
    ci = closes[np.clip(i, 0, None)]
    return np.where(ok & (ci < t), ci, t)


def observed_split(
    ev: pd.DataFrame,
    df: pd.DataFrame,
    delays: np.ndarray,
    step_agency: dict[str, str],
    calendar: Calendar,
) -> HandoffSplit:
    """:func:`split_handoffs` of a calibration's directly-follows pairs.

    ``ev`` is the prepared log (:func:`analysis.kpis.event_times`, in the
    log's clock), ``df`` its :func:`analysis.bottlenecks.directly_follows`
    rows and ``delays`` their delays; agencies are those of the steps.
    """
    from analysis.bottlenecks import _begin_series, prepare
    from analysis.schema import RESOURCE, START, TIMESTAMP

    pairs = pd.DataFrame(
        {
            "source_agency": df["source"].astype(str).map(step_agency).to_numpy(),
            "target_agency": df["target"].astype(str).map(step_agency).to_numpy(),
        }
    )
    if START not in ev.columns or RESOURCE not in ev.columns or not ev[START].notna().any():
        return split_handoffs(pairs, delays)
    prepared = prepare(ev)
    starts = prepared[START].dt.tz_localize(None).to_numpy("datetime64[ns]")[df["row"].to_numpy()]
    pairs["target_resource"] = prepared[RESOURCE].to_numpy()[df["row"].to_numpy()]
    busy = pd.DataFrame(
        {
            "resource": prepared[RESOURCE].to_numpy(),
            "begin": _begin_series(prepared).dt.tz_localize(None).to_numpy("datetime64[ns]"),
            "end": prepared[TIMESTAMP].dt.tz_localize(None).to_numpy("datetime64[ns]"),
        }
    )
    return split_handoffs(pairs, delays, starts=starts, busy=busy, calendar=calendar)
