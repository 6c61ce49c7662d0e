"""Why a case waited: each wait split into five causes, after Lashkevich et al.

The wait before an event is the interval from its **enablement** (the latest
completion before it in the case: the waiting of :mod:`analysis.kpis`) to
its **start**. For logs with start times and resources, :func:`waiting_causes`
splits every such interval into five parts that add up to it exactly. The
definitions follow Lashkevich, Milani, Chapela-Campa, Suvorau and Dumas, "Why
am I waiting? Data-driven analysis of waiting times in business processes"
(CAiSE 2023), with the precedence of their tool: a moment of the wait counts
for the first cause in this list that holds at that moment.

1. **batching**: the event was held to be processed together with others.
   A *batch* is two or more events of the same activity by the same resource
   that started together: each starts at most ``batch_window`` minutes (1)
   after the one before it, and at the same moment or before the ones before
   it have all ended (parallel or overlapping work). The batch was *ready* when its last
   member was enabled (at the latest at its first start); a member's wait
   from its own enablement until then is batching. Back-to-back work that
   does not overlap is not taken for a batch: from a log alone it cannot be
   told from a clerk working through a queue, which is contention.
2. **contention**: the event's resource was busy with another event enabled
   at or before this one (first come, first served would have had it wait
   too). An event whose enablement is unknown (the first of its case)
   counts here.
3. **prioritisation**: the resource was busy with an event enabled *after*
   this one: a later case was served first.
4. **unavailability**: the resource was off duty (outside its working hours
   learned from the log, :mod:`analysis.work_calendars`) and not working.
5. **extraneous**: the rest: the resource was free and on duty, yet did not
   start. The wait is outside the desk: the citizen, a document or payment
   awaited, a courier or transfer still under way, a legal timer.

**Which moments count** (``method``). The paper counts every moment of the
wait (``method="lashkevich"``). A wait of several days then reads as mostly
"unavailability" because every night and weekend in it is off duty, even when
the clerk was free and on duty for hours after the file was ready and did not
take it: more opening hours would not have helped that file. The default
``method="binding"`` keeps only the causes that held the file back at the
end: it finds the **last free moment**, the last moment before the start at
which the resource was free (not busy) and on duty. Before it (after any
batching) the desk could have taken the file and did not, so that time is
extraneous; from it to the start the resource was without a break busy or
off duty, and that stretch is split into contention, prioritisation and
unavailability as above. Both methods give the same split when the clerk
was never free and on duty during the wait, or only at its beginning (the
hand-built cases of the tests hold for both).

A moment of the wait when the resource worked on another event counts as
contention or prioritisation even outside its learned hours. "Busy" means
the interval from an event's start to its completion, so an event worked on
in several sittings makes its resource busy in between too. Busy is what the
log records: work a clerk did that is not in the log counts as free time,
and a log that begins while desks are still working on earlier files shows
them free in its first hours.

Waits that cannot be split are left out with the reason, never counted as
zero: events without a start time (their "wait" is a transition time that
holds the work itself), events without a resource, and logs whose times are
whole days. Times are minutes; hours of the day are those of the centre's
clock (``zone``).

The computation is vectorised: each resource's busy time is merged into
blocks once (prefix sums give the busy and off-duty minutes of any window,
sorted searches find the blocks); only waits during which a file enabled
later than this one was started need pairs of events (joined in chunks) to
tell contention from prioritisation; union lengths come from group-wise
running maxima. The walk back to the last free moment is iterated over the
waits still moving, not per event. Enablements are read on the wall clock as
the start minus the wait, so across a change of summer time the hours of a
wait shift by one.

Examples
--------
A clerk busy with an earlier case from 09:00 to 09:45; the file, ready at
09:00, is started at 09:45: 45 minutes of contention.

>>> import pandas as pd
>>> t = lambda s: pd.Timestamp(f"2024-03-04 {s}", tz="UTC")
>>> log = pd.DataFrame({
...     "case:concept:name": ["x", "x", "y", "y"],
...     "concept:name": ["apply", "check", "apply", "check"],
...     "start_timestamp": [t("08:00"), t("08:30"), t("08:10"), t("09:45")],
...     "time:timestamp": [t("08:05"), t("09:45"), t("09:00"), t("10:00")],
...     "org:resource": ["front", "clerk", "front", "clerk"],
...     "org:group": "office"})
>>> cal = WorkCalendars.fixed(["front", "clerk"], days=range(7), hours=range(24))
>>> causes = waiting_causes(log, calendars=cal)
>>> causes.events.loc[causes.events["case"] == "y", list(CAUSES)].iloc[0].tolist()
[0.0, 45.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.schema import ACTIVITY, AGENCY, CASE, RESOURCE, START, TIMESTAMP, UNKNOWN_AGENCY
from analysis.work_calendars import WorkCalendars, learn_calendars

__all__ = [
    "BATCH_WINDOW",
    "CAUSES",
    "NO_CLOCK",
    "NO_RESOURCE",
    "NO_START",
    "WaitingCauses",
    "waiting_causes",
]

#: The five causes, in their order of precedence.
CAUSES: tuple[str, ...] = (
    "batching",
    "contention",
    "prioritisation",
    "unavailability",
    "extraneous",
)
#: Minutes between the starts of two events of one batch, at most.
BATCH_WINDOW: float = 1.0
#: Why a log's waits cannot be split.
NO_START = (
    "the log has no start times, so the time before a step cannot be told from the work "
    "itself"
)
NO_RESOURCE = (
    "the log names no clerk or desk (no resource column), and the causes need to know "
    "whether the step's resource was busy, off duty or free"
)
NO_CLOCK = (
    "the log records whole days, not times of day, so busy and off-duty time cannot be "
    "measured within a wait"
)
#: Why one event's wait is not split.
_EVENT_NO_START = "no start time recorded"
_EVENT_NO_RESOURCE = "no resource recorded"

_MIN = np.timedelta64(60, "s")
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")
_MAX_PAIRS = 4_000_000


@dataclass(frozen=True, eq=False)
class WaitingCauses:
    """The causes of every split wait, and what could not be split (minutes).

    Attributes
    ----------
    events : pandas.DataFrame
        One row per split wait (waits above zero): ``case``, ``activity``,
        ``agency``, ``source_agency`` (of the event before it, for handoffs),
        ``resource``, ``waiting`` and one column per cause of
        :data:`CAUSES`, which add up to ``waiting``.
    unsplit : pandas.DataFrame
        Per activity and reason, the waits above zero left unsplit:
        ``activity``, ``reason``, ``waits``, ``waiting``.
    note : str or None
        Why no wait of the log can be split (:data:`NO_START`,
        :data:`NO_RESOURCE`, :data:`NO_CLOCK`); ``None`` when they can.
    calendars : WorkCalendars or None
        The working hours the unavailability was measured against.
    batch_window : float
    """

    events: pd.DataFrame
    unsplit: pd.DataFrame
    note: str | None = None
    calendars: WorkCalendars | None = None
    batch_window: float = BATCH_WINDOW
    zone: str | None = field(default=None)
    method: str = "binding"

    @property
    def split_share(self) -> float:
        """Share of the waiting minutes (before events with a wait) that were split.

        NaN when the log has no waiting at all, or when none of it can be
        split (:attr:`note` says why): unknown, not 0%.
        """
        if self.note is not None:
            return float("nan")
        split = float(self.events["waiting"].sum()) if len(self.events) else 0.0
        rest = float(self.unsplit["waiting"].sum()) if len(self.unsplit) else 0.0
        return split / (split + rest) if split + rest > 0 else float("nan")

    def table(self, level: str = "activity") -> pd.DataFrame:
        """Totals and shares of each cause per ``activity``, ``agency`` or ``handoff``.

        Returns
        -------
        pandas.DataFrame
            Columns: the key(s) (``activity``; ``agency``; ``source``,
            ``target``), ``waits``, ``waiting`` (total minutes), one total per
            cause, ``<cause>_share`` of each (of the total) and ``main`` (the
            cause with the largest total). Handoffs are the waits whose event
            follows one of another agency (``unknown`` left out). Sorted by
            total waiting, largest first.

        Examples
        --------
        >>> ev = pd.DataFrame({"case": ["a", "b"], "activity": ["x", "x"],
        ...     "agency": ["A", "A"], "source_agency": ["B", "A"], "resource": ["r", "r"],
        ...     "waiting": [60.0, 30.0], "batching": [0.0, 0.0], "contention": [45.0, 0.0],
        ...     "prioritisation": [0.0, 0.0], "unavailability": [0.0, 30.0],
        ...     "extraneous": [15.0, 0.0]})
        >>> wc = WaitingCauses(ev, pd.DataFrame(columns=["activity", "reason", "waits",
        ...                                              "waiting"]))
        >>> wc.table("activity")[["activity", "waiting", "contention_share", "main"]]
          activity  waiting  contention_share        main
        0        x     90.0               0.5  contention
        >>> wc.table("handoff")[["source", "target", "waits", "extraneous"]]
          source target  waits  extraneous
        0      B      A      1        15.0
        """
        ev = self.events
        if level == "activity":
            keys = ["activity"]
        elif level == "agency":
            keys = ["agency"]
        elif level == "handoff":
            keys = ["source", "target"]
            src = ev["source_agency"].astype(object)
            dst = ev["agency"].astype(object)
            moved = src.notna() & (src != dst) & (src != UNKNOWN_AGENCY) & (dst != UNKNOWN_AGENCY)
            ev = ev[moved.to_numpy()].assign(source=src[moved], target=dst[moved])
        else:
            raise ValueError(f"level must be activity, agency or handoff, got {level!r}")
        columns = keys + ["waits", "waiting", *CAUSES]
        columns += [f"{c}_share" for c in CAUSES] + ["main"]
        if not len(ev):
            return pd.DataFrame(columns=columns)
        frame = ev[keys + ["waiting", *CAUSES]].astype({k: str for k in keys})
        g = frame.groupby(keys, sort=False, observed=True)
        out = g[["waiting", *CAUSES]].sum()
        out.insert(0, "waits", g.size())
        for c in CAUSES:
            out[f"{c}_share"] = out[c] / out["waiting"]
        out["main"] = out[list(CAUSES)].idxmax(axis=1)
        out = out.sort_values("waiting", ascending=False, kind="stable").reset_index()
        return out[columns]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: the tables per level, the unsplit waits and the note."""
        from analysis.mining import _records

        return {
            "note": self.note,
            "causes": list(CAUSES),
            "split_share": None if np.isnan(self.split_share) else self.split_share,
            "batch_window_minutes": self.batch_window,
            "method": self.method,
            "by_activity": _records(self.table("activity")),
            "by_agency": _records(self.table("agency")),
            "by_handoff": _records(self.table("handoff")),
            "unsplit": _records(self.unsplit),
        }


def waiting_causes(
    log: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    zone: str | None = None,
    calendars: WorkCalendars | None = None,
    batch_window: float = BATCH_WINDOW,
    method: str = "binding",
) -> WaitingCauses:
    """Split every wait of ``log`` into the five causes (definitions: module docs).

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical event log, or its :func:`analysis.kpis.event_times` output.
    pairs : pandas.DataFrame, optional
        Its :func:`analysis.bottlenecks.directly_follows` pairs (computed on
        the same frame), so that handoffs are those of the report; without
        them the agency of the event before in completion order is used.
    zone : str, optional
        The centre's time zone (hours of the day for working hours).
    calendars : WorkCalendars, optional
        Working hours to use instead of those learned from the log.
    batch_window : float
        Minutes between the starts of two events of one batch, at most.
    method : {"binding", "lashkevich"}
        Count only what held the file back after the resource's last free
        moment (default), or every moment of the wait (module docs).

    Returns
    -------
    WaitingCauses

    Examples
    --------
    Without resources nothing is split, and the result says why:

    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["c", "c"], "concept:name": ["a", "b"],
    ...     "start_timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00"], utc=True),
    ...     "time:timestamp": pd.to_datetime(["2024-01-01 08:30", "2024-01-01 09:30"], utc=True),
    ...     "org:group": "x"})
    >>> wc = waiting_causes(log)
    >>> wc.note == NO_RESOURCE, len(wc.events), wc.unsplit["waiting"].tolist()
    (True, 0, [30.0])
    """
    from analysis.bottlenecks import prepare
    from analysis.timezones import is_day_granularity, wall_clock

    if method not in ("binding", "lashkevich"):
        raise ValueError(f"method must be 'binding' or 'lashkevich', got {method!r}")
    ev = prepare(log)
    n = len(ev)
    waiting = ev["waiting"].to_numpy(dtype=float)
    has_start = START in ev.columns and bool(ev[START].notna().any())
    started = ev[START].notna().to_numpy() if has_start else np.zeros(n, dtype=bool)
    if RESOURCE in ev.columns:
        rcodes, rnames = pd.factorize(ev[RESOURCE])  # categoricals: no string copies
        has_res = rcodes >= 0
    else:
        rcodes, rnames = np.full(n, -1), pd.Index([])
        has_res = np.zeros(n, dtype=bool)
    note = None
    if not has_start:
        note = NO_START
    elif not (has_res & started).any():
        note = NO_RESOURCE
    else:
        local_start = wall_clock(ev[START], zone)
        if is_day_granularity(local_start) and is_day_granularity(wall_clock(ev[TIMESTAMP], zone)):
            note = NO_CLOCK
    positive = waiting > 0
    split = positive & started & has_res & (note is None)
    reason = np.where(~started, _EVENT_NO_START, _EVENT_NO_RESOURCE).astype(object)
    if note is not None:
        reason[:] = note
    unsplit = _unsplit(ev, positive & ~split, reason)
    source = _source_agency(ev, pairs)
    if not split.any():
        return WaitingCauses(_empty_events(), unsplit, note, None, batch_window, zone, method)

    end = _minutes(wall_clock(ev[TIMESTAMP], zone))
    begin = _minutes(wall_clock(ev[START], zone))
    # Enablement: the (UTC) wait back from the wall-clock start, so that every window has
    # the length of its wait (across a change of summer time the hours shift by one).
    enabled = begin - waiting
    busy = started & has_res & ~np.isnan(end)
    if calendars is None:
        seen_r = np.concatenate([rcodes[busy], rcodes[has_res]])
        seen_t = np.concatenate([begin[busy], end[has_res]])
        calendars = learn_calendars(
            pd.Categorical.from_codes(seen_r, categories=rnames.astype(str)), seen_t
        )
    cal_row = calendars.index(np.asarray(rnames.astype(str), dtype=object))[rcodes]
    parts = _split(
        np.flatnonzero(split),
        np.flatnonzero(busy),
        res=rcodes,
        act=pd.factorize(ev[ACTIVITY])[0],
        begin=begin,
        end=end,
        enabled=enabled,
        waiting=waiting,
        cal_row=cal_row,
        calendars=calendars,
        batch_window=batch_window,
        method=method,
    )
    rows = np.flatnonzero(split)
    agency = _take(ev[AGENCY], rows) if AGENCY in ev.columns else None
    events = pd.DataFrame(
        {
            "case": _take(ev[CASE], rows),
            "activity": _take(ev[ACTIVITY], rows),
            "agency": agency if agency is not None else UNKNOWN_AGENCY,
            "source_agency": source[rows],
            "resource": pd.Categorical.from_codes(rcodes[rows], categories=rnames.astype(str)),
            "waiting": waiting[rows],
            **{c: parts[i] for i, c in enumerate(CAUSES)},
        }
    )
    return WaitingCauses(events, unsplit, None, calendars, batch_window, zone, method)


def _split(
    rows: np.ndarray,
    busy: np.ndarray,
    *,
    res: np.ndarray,
    act: np.ndarray,
    begin: np.ndarray,
    end: np.ndarray,
    enabled: np.ndarray,
    waiting: np.ndarray,
    cal_row: np.ndarray,
    calendars: WorkCalendars,
    batch_window: float,
    method: str,
) -> list[np.ndarray]:
    """The five cause totals (minutes) of the waits of ``rows`` (indices of the log).

    The busy time of each resource is merged into blocks once; an event's own
    work starts at its start, so the blocks before it are other work. Only
    the contention needs pairs of events, and only for waits during which a
    file enabled later than this one was started (else busy = contention).
    """
    wait = waiting[rows]
    s = begin[rows]
    a = s - wait  # the wall-clock window [a, s] has the UTC wait's length
    ready = _batch_ready(busy, res, act, begin, end, enabled, batch_window)
    batching = np.nan_to_num(np.clip(ready[rows] - a, 0.0, wait))
    w0 = a + batching  # what is left of the window: [w0, s]

    blocks = _Blocks(
        res[busy], begin[busy], end[busy], cal_row_of=cal_row[busy], calendars=calendars
    )
    me = res[rows]
    tau = w0
    if method == "binding":
        tau = blocks.last_free(me, w0, s, cal_row[rows])
    busy_len, busy_off = blocks.measure(me, tau, s)
    rest = s - tau

    # contention: the union of the busy events enabled at or before this one
    contention = busy_len.copy()
    known = enabled[busy][~np.isnan(enabled[busy])]
    floor = float(known.min()) - 1.0 if len(known) else 0.0  # unknown counts as earlier
    en = np.where(np.isnan(enabled), floor, enabled)
    order = busy[np.lexsort((en[busy], res[busy]))]
    key, place = _block_keys(res[order], en[order])
    later_lo = _search(key, place(me, enabled[rows]), side="right")
    later_hi = _search(key, place(me, s), side="left")
    # a later file started during the wait, and the resource was busy: pairs are needed
    need = np.flatnonzero((later_hi > later_lo) & (busy_len > 0))
    if len(need):
        contention[need] = _earlier_union(need, rows, res, begin, end, enabled, tau, s, busy)
    contention = np.minimum(contention, rest)
    prioritisation = np.clip(busy_len - contention, 0.0, rest - contention)
    off_all = calendars.off_duty(cal_row[rows], tau, s)
    unavailability = np.clip(off_all - busy_off, 0.0, rest - contention - prioritisation)
    extraneous = wait - batching - contention - prioritisation - unavailability
    extraneous = np.maximum(extraneous, 0.0)
    return [batching, contention, prioritisation, unavailability, extraneous]


class _Blocks:
    """The merged busy blocks of every resource, on one sorted axis (see :func:`_block_keys`)."""

    def __init__(self, res, begin, end, *, cal_row_of, calendars: WorkCalendars) -> None:
        order = np.lexsort((begin, res))
        r, b, e, c = res[order], begin[order], end[order], cal_row_of[order]
        g = np.r_[0, np.cumsum(r[1:] != r[:-1])] if len(r) else np.zeros(0, dtype=np.int64)
        reach = pd.Series(e).groupby(g).cummax().to_numpy()
        prev = pd.Series(reach).groupby(g).shift(1).to_numpy()
        new = np.isnan(prev) | (b > prev)
        piece = np.cumsum(new) - 1
        self.res = r[new]
        self.begin = b[new]
        self.end = pd.Series(reach).groupby(piece).max().to_numpy()
        self.cal = c[new]
        self.calendars = calendars
        length = self.end - self.begin
        off = calendars.off_duty(self.cal, self.begin, self.end)
        self.cum_len = np.r_[0.0, np.cumsum(length)]
        self.cum_off = np.r_[0.0, np.cumsum(off)]
        self.key, self.place = _block_keys(self.res, self.begin)

    def _at(self, who: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The last block of ``who`` begun before ``t``, and whether there is one."""
        k = _search(self.key, self.place(who, t), side="left") - 1
        kk = np.clip(k, 0, None)
        ok = (k >= 0) & (self.res[kk] == who) if len(self.key) else np.zeros(len(t), bool)
        return kk, ok

    def measure(self, who, lo, hi) -> tuple[np.ndarray, np.ndarray]:
        """Busy minutes of ``who`` in ``[lo, hi]``, and how many of them off duty."""
        if not len(self.key):
            z = np.zeros(len(lo))
            return z, z
        kh, okh = self._at(who, hi)  # blocks begun before hi
        kl, okl = self._at(who, lo)  # blocks begun before lo
        # whole blocks strictly between, then the partial ends
        first = np.where(okl, kl + 1, _search(self.key, self.place(who, lo), "left"))
        last = np.where(okh, kh, first - 1)  # blocks first..last begin in [lo, hi)
        length = np.where(last >= first, self.cum_len[last + 1] - self.cum_len[first], 0.0)
        off = np.where(last >= first, self.cum_off[last + 1] - self.cum_off[first], 0.0)
        # the last of them may reach past hi: take off what lies beyond
        cal = self.calendars
        past = (last >= first) & (self.end[np.clip(last, 0, None)] > hi)
        li = np.clip(last, 0, None)
        length -= np.where(past, self.end[li] - hi, 0.0)
        off -= np.where(
            past, cal.off_duty(self.cal[li], np.minimum(hi, self.end[li]), self.end[li]), 0.0
        )
        # a block begun before lo may reach into the window
        into = okl & (self.end[kl] > lo)
        top = np.minimum(self.end[kl], hi)
        length += np.where(into, np.maximum(top - lo, 0.0), 0.0)
        off += np.where(into, cal.off_duty(self.cal[kl], lo, np.maximum(top, lo)), 0.0)
        return np.maximum(length, 0.0), np.maximum(off, 0.0)

    def last_free(self, who, lo, hi, cal_rows) -> np.ndarray:
        """The last moment in ``[lo, hi]`` at which ``who`` was free and on duty (``lo`` if none).

        Walks back from ``hi`` through busy blocks and off-duty hours; only the
        walks still moving are carried to the next round.
        """
        t = hi.copy()
        active = np.arange(len(t))
        for _ in range(10_000):
            if not len(active):
                break
            ta = t[active]
            k, ok = self._at(who[active], ta)
            inside = ok & (self.end[k] >= ta - 1e-9)
            step = np.where(inside, self.begin[k], ta)
            step = np.maximum(self.calendars.last_on_duty(cal_rows[active], step), lo[active])
            moved = step < ta
            t[active] = step
            active = active[moved]
        return t


def _earlier_union(need, rows, res, begin, end, enabled, tau, s, busy) -> np.ndarray:
    """Union length of the busy events enabled no later than each waiting event ``need``."""
    order = busy[np.lexsort((begin[busy], res[busy]))]
    b_res, b_begin, b_end = res[order], begin[order], end[order]
    longest = pd.Series(b_end - b_begin).groupby(b_res).max()
    me = rows[need]
    reach = longest.reindex(res[me]).to_numpy(dtype=float)
    key, place = _block_keys(b_res, b_begin)
    lo = _search(key, place(res[me], tau[need] - reach - 1e-3), side="left")
    hi = _search(key, place(res[me], s[need] + 1e-3), side="left")
    lo = np.minimum(lo, hi)
    counts = hi - lo
    out = np.zeros(len(need))
    starts = np.cumsum(counts) - counts
    for i0, i1 in _chunks(counts, _MAX_PAIRS):
        c = counts[i0:i1]
        m = int(c.sum())
        if m == 0:
            continue
        who = np.repeat(np.arange(i0, i1), c)
        other = order[lo[who] + np.arange(m) - np.repeat(starts[i0:i1] - starts[i0], c)]
        x = np.maximum(begin[other], tau[need][who])
        y = np.minimum(end[other], s[need][who])
        oe = enabled[other]
        keep = (other != me[who]) & (y > x) & (np.isnan(oe) | (oe <= enabled[me[who]]))
        length, (p_who, _, _) = _union(who[keep], x[keep], y[keep])
        out += np.bincount(p_who, weights=length, minlength=len(need))
    return out


def _batch_ready(
    busy: np.ndarray,
    res: np.ndarray,
    act: np.ndarray,
    begin: np.ndarray,
    end: np.ndarray,
    enabled: np.ndarray,
    window: float,
) -> np.ndarray:
    """When each event's batch was ready (NaN when it is in no batch): module docs."""
    ready = np.full(len(begin), np.nan)
    if not len(busy):
        return ready
    order = busy[np.lexsort((begin[busy], act[busy], res[busy]))]
    r, k, b, e = res[order], act[order], begin[order], end[order]
    frame = pd.DataFrame({"g": np.r_[0, np.cumsum((r[1:] != r[:-1]) | (k[1:] != k[:-1]))]})
    # running latest end of the earlier events of the same resource and activity
    prev_end = pd.Series(e).groupby(frame["g"]).cummax().groupby(frame["g"]).shift(1)
    prev_begin = pd.Series(b).groupby(frame["g"]).shift(1)
    pb = prev_begin.to_numpy()
    # joins the batch: started within the window, while the earlier ones were still
    # being worked on (or at the very same moment); touching ends are a queue, not a batch
    joins = (
        prev_begin.notna().to_numpy() & (b - pb <= window) & ((b < prev_end.to_numpy()) | (b == pb))
    )
    batch = np.cumsum(~joins)
    size = np.bincount(batch)
    en = pd.Series(np.where(np.isnan(enabled[order]), -np.inf, enabled[order]))
    latest = en.groupby(batch).transform("max").to_numpy()
    opened = pd.Series(b).groupby(batch).transform("min").to_numpy()
    when = np.minimum(latest, opened)
    member = size[batch] >= 2
    ready[order[member]] = when[member]
    return np.where(np.isinf(ready), np.nan, ready)


def _search(keys: np.ndarray, q: np.ndarray, side: str = "left") -> np.ndarray:
    """``numpy.searchsorted`` with the queries sorted first (far faster on large arrays)."""
    q = np.asarray(q, dtype=float)
    if len(q) < 1024:
        return np.searchsorted(keys, q, side=side)  # type: ignore[call-overload]
    order = np.argsort(q)
    out = np.empty(len(q), dtype=np.int64)
    out[order] = np.searchsorted(keys, q[order], side=side)  # type: ignore[call-overload]
    return out


def _block_keys(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, Any]:
    """One sorted axis for values sorted within blocks of ``codes``, and its lookup.

    Block ``k`` holds ``k * span + (value - base)``; ``place(k, t)`` is where
    time ``t`` falls in it (clipped to the block).
    """
    base = float(np.nanmin(values)) if len(values) else 0.0
    span = (float(np.nanmax(values)) - base if len(values) else 0.0) + 1e6
    key = codes.astype(float) * span + (values - base)

    def place(k: np.ndarray, t: np.ndarray) -> np.ndarray:
        return k.astype(float) * span + np.clip(t - base, -0.5, span - 0.5)

    return key, place


def _union(who: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Union of intervals ``[x, y]`` per group ``who``: lengths per piece, and the pieces."""
    if not len(who):
        empty = np.zeros(0)
        return empty, (np.zeros(0, dtype=np.int64), empty, empty)
    order = np.lexsort((x, who))
    g, x, y = who[order], x[order], y[order]
    reach = pd.Series(y).groupby(g).cummax().to_numpy()
    prev = np.r_[-np.inf, reach[:-1]]
    new = np.r_[True, g[1:] != g[:-1]] | (x > prev)
    piece = np.cumsum(new) - 1
    p_begin = x[new]
    p_end = pd.Series(reach).groupby(piece).max().to_numpy()
    p_who = g[new]
    return p_end - p_begin, (p_who, p_begin, p_end)


def _chunks(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive ranges of queries whose pairs add up to about ``limit``."""
    if not len(counts):
        return []
    cum = np.cumsum(counts)
    edges = [0]
    while edges[-1] < len(counts):
        done = cum[edges[-1] - 1] if edges[-1] else 0
        nxt = int(np.searchsorted(cum, done + limit, side="right"))
        edges.append(max(nxt, edges[-1] + 1))
    return list(zip(edges[:-1], edges[1:]))


def _take(values: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """``values[rows]`` as a categorical (labels copied once, not per row)."""
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(codes[rows], categories=pd.Index(uniques).astype(str))


def _minutes(ts: pd.Series) -> np.ndarray:
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return (ts.to_numpy(dtype="datetime64[ns]") - _EPOCH) / _MIN


def _source_agency(ev: pd.DataFrame, pairs: pd.DataFrame | None) -> np.ndarray:
    out = np.full(len(ev), None, dtype=object)
    if pairs is not None and len(pairs) and "row" in pairs.columns:
        out[pairs["row"].to_numpy()] = pairs["source_agency"].astype(object).to_numpy()
    elif "prev_agency" in ev.columns:
        out[:] = ev["prev_agency"].astype(object).to_numpy()
    return out


def _unsplit(ev: pd.DataFrame, mask: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
    columns = ["activity", "reason", "waits", "waiting"]
    if not mask.any():
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "activity": ev[ACTIVITY].astype(str).to_numpy()[mask],
            "reason": reason[mask],
            "w": ev["waiting"].to_numpy(dtype=float)[mask],
        }
    )
    g = frame.groupby(["activity", "reason"], sort=False)["w"]
    out = pd.DataFrame({"waits": g.size(), "waiting": g.sum()}).reset_index()
    return out.sort_values("waiting", ascending=False, kind="stable").reset_index(drop=True)


def _empty_events() -> pd.DataFrame:
    columns = ["case", "activity", "agency", "source_agency", "resource", "waiting", *CAUSES]
    return pd.DataFrame(columns=columns)
