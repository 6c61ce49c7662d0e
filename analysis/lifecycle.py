"""Lifecycle pairing: start, complete, suspend and resume rows into one event each.

XES logs (and CSV logs written from them) often record a step as several
rows, one per ``lifecycle:transition``. :func:`pair_lifecycle` turns them
into the canonical schema's one row per step, with ``start_timestamp`` and
``time:timestamp``, and says exactly what it could not pair. It never
rejects a log for a handful of bad cases: it sets them aside and counts them
(:class:`SetAside`), and :func:`analysis.logs.read_log` warns about them, or
raises with ``strict=True``.

The rules (transition values are compared case-insensitively):

* **Pairing groups.** A complete is paired with a start of the same case and
  activity and, when the log has a ``concept:instance`` column, the same
  instance.
* **First in, first out.** Within a group, rows are read in time order (a
  start before a complete at the same time); each complete takes the oldest
  start of its group that is still open (started at or before it, not taken
  by an earlier complete). A row with no transition counts as a complete.
* **A complete without a start** (no open start in its group) is kept as a
  complete-only event: its ``start_timestamp`` is missing. It is set aside
  (kind ``complete_without_start``) only when its activity has starts
  elsewhere in the log: a step recorded by completions alone (BPI 2012's
  ``A_`` and ``O_`` states) is complete-only by design, not a defect.
* **A start that never completes** (still open when its group ends) is
  dropped (kind ``start_without_complete``). With ``concept:instance`` the
  pairing follows the instances, so two overlapping instances of one step
  pair correctly; without it, FIFO pairs the earlier start with the earlier
  complete.
* **Suspend and resume.** A suspend followed, in its group, by a resume is a
  pause; it belongs to the paired event of the group that started last at or
  before the suspend, provided that event completes at or after the resume.
  The event keeps its first start as ``start_timestamp`` and the paused
  minutes go into the optional column :data:`SUSPENDED`
  (``odsc:suspended_minutes``: 0 for a paired event never paused, missing
  for a complete-only one). Processing time is then completion minus start
  minus the paused minutes (:func:`analysis.kpis.event_times`). A suspend or
  resume that belongs to no paired event (a suspend never resumed, a pause
  outside any paired work) is ignored (kind ``unpaired_suspend_resume``).
* **Every other transition** (``schedule``, ``assign``, ``ate_abort``,
  ``withdraw``, ...) is ignored; their counts are in
  :attr:`Pairing.ignored`, not among the set-aside rows, since ignoring them
  is the rule rather than a defect of the log.

Everything is vectorised: within a group ordered as above, let ``S_i`` be
the number of starts up to the ``i``-th complete and ``M_i`` the number of
completes matched so far. FIFO gives ``M_i = min(M_{i-1} + 1, S_i)``
(``M_0 = 0``), which unrolls to ``M_i = i + min(0, min_{k<=i}(S_k - k))``,
a cumulative minimum; the ``i``-th complete is matched iff ``M_i > M_{i-1}``
and then takes start number ``M_i``.

Examples
--------
>>> import pandas as pd
>>> t = lambda *v: pd.to_datetime(list(v), utc=True)
>>> rows = pd.DataFrame({
...     "case:concept:name": ["c1"] * 5,
...     "concept:name": ["check"] * 5,
...     "lifecycle:transition": ["START", "suspend", "resume", "complete", "complete"],
...     "time:timestamp": t("2024-03-04 08:00", "2024-03-04 08:10", "2024-03-04 09:10",
...                         "2024-03-04 09:30", "2024-03-04 10:00"),
... })
>>> p = pair_lifecycle(rows)
>>> p.events[["start_timestamp", "time:timestamp", "odsc:suspended_minutes"]]
            start_timestamp            time:timestamp  odsc:suspended_minutes
3 2024-03-04 08:00:00+00:00 2024-03-04 09:30:00+00:00                    60.0
4                       NaT 2024-03-04 10:00:00+00:00                     NaN
>>> p.counts()
{'complete_without_start': 1}
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.schema import ACTIVITY, CASE, LIFECYCLE, START, TIMESTAMP

__all__ = ["INSTANCE", "KINDS", "SUSPENDED", "Pairing", "SetAside", "pair_lifecycle"]

#: The XES attribute naming one execution of a step (pairs its lifecycle rows).
INSTANCE = "concept:instance"
#: Minutes an event was suspended between its start and its completion (optional).
SUSPENDED = "odsc:suspended_minutes"

#: What can be set aside: kind -> (one, several, what becomes of them).
KINDS: dict[str, tuple[str, str, str]] = {
    "duplicate": ("duplicate event", "duplicate events", "dropped after the first"),
    "start_without_complete": (
        "start that never completes",
        "starts that never complete",
        "dropped",
    ),
    "complete_without_start": (
        "complete without a start",
        "completes without a start",
        "kept without a start time",
    ),
    "start_after_complete": (
        "start after its completion",
        "starts after their completion",
        "kept without a start time",
    ),
    "unpaired_suspend_resume": (
        "suspend/resume outside a paired event",
        "suspend/resume rows outside a paired event",
        "ignored",
    ),
}

_START, _RESUME, _SUSPEND, _COMPLETE = 0, 1, 2, 3
_CODES = {"start": _START, "resume": _RESUME, "suspend": _SUSPEND, "complete": _COMPLETE}


@dataclass(frozen=True)
class SetAside:
    """Rows of one kind that the reader could not use as they are.

    Attributes
    ----------
    kind : str
        A key of :data:`KINDS`.
    rows : tuple of int
        Their row (or line) numbers in the input, in order.

    Examples
    --------
    >>> s = SetAside("start_without_complete", (7, 9))
    >>> s.count, s.text("log.xes", "row")
    (2, 'log.xes: set aside 2 starts that never complete (rows 7, 9): dropped')
    """

    kind: str
    rows: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        """How many rows."""
        return len(self.rows)

    def text(self, name: str, unit: str, *, show: int = 3) -> str:
        """One line: ``NAME: set aside N <what> (rows a, b, c and k more)``."""
        shown = ", ".join(str(r) for r in self.rows[:show])
        more = f" and {self.count - show:,} more" if self.count > show else ""
        one, several, fate = KINDS[self.kind]
        plural = "s" if self.count > 1 else ""
        noun = several if self.count > 1 else one
        return f"{name}: set aside {self.count:,} {noun} ({unit}{plural} {shown}{more}): {fate}"


@dataclass(frozen=True, eq=False)
class Pairing:
    """The paired events and what was set aside or ignored.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per complete (paired or complete-only), the input's columns
        without the lifecycle column, plus ``start_timestamp`` and, when the
        log has suspend or resume rows, :data:`SUSPENDED`; in input order,
        with the index labels of the complete rows.
    set_aside : tuple of SetAside
        One entry per kind that occurred.
    ignored : dict of str to int
        Rows of other transitions (``schedule`` ...), by transition.
    """

    events: pd.DataFrame
    set_aside: tuple[SetAside, ...] = ()
    ignored: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Set-aside counts by kind."""
        return {s.kind: s.count for s in self.set_aside}


def pair_lifecycle(
    rows: pd.DataFrame,
    *,
    case: str = CASE,
    activity: str = ACTIVITY,
    timestamp: str = TIMESTAMP,
    lifecycle: str = LIFECYCLE,
    instance: str = INSTANCE,
    row: str | None = None,
) -> Pairing:
    """Pair lifecycle rows into events (rules: module docstring).

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per lifecycle transition, with ``timestamp`` as datetimes
        (all aware or all naive); not modified.
    case, activity, timestamp, lifecycle : str
        Column names.
    instance : str
        Column of the step's instance; used when ``rows`` has it.
    row : str, optional
        A column of row numbers quoted in :class:`SetAside`; the 1-based
        positions of ``rows`` when omitted.

    Returns
    -------
    Pairing

    Examples
    --------
    Two overlapping instances of one step, told apart by ``concept:instance``:

    >>> import pandas as pd
    >>> t = lambda *v: pd.to_datetime(list(v), utc=True)
    >>> rows = pd.DataFrame({"case:concept:name": ["c"] * 4, "concept:name": ["a"] * 4,
    ...     "concept:instance": ["1", "2", "2", "1"],
    ...     "lifecycle:transition": ["start", "start", "complete", "complete"],
    ...     "time:timestamp": t("2024-01-01 08:00", "2024-01-01 08:30",
    ...                         "2024-01-01 09:00", "2024-01-01 10:00")})
    >>> pair_lifecycle(rows).events["start_timestamp"].dt.strftime("%H:%M").tolist()
    ['08:30', '08:00']
    """
    n = len(rows)
    numbers = rows[row].to_numpy() if row else np.arange(1, n + 1)
    text = rows[lifecycle].astype("str").where(rows[lifecycle].notna()).str.strip().str.lower()
    code = text.map(_CODES).to_numpy(dtype=float, copy=True)
    code[text.isna().to_numpy()] = _COMPLETE
    other = np.isnan(code)
    ignored = {str(k): int(v) for k, v in text[other].value_counts().items()}
    code = np.nan_to_num(code, nan=-1).astype(np.int8)

    keys = [case, activity] + ([instance] if instance in rows.columns else [])
    group = rows.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    ts = rows[timestamp]
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    when = ts.to_numpy(dtype="datetime64[ns]").view(np.int64)
    used = ~other
    order = np.flatnonzero(used)
    order = order[np.lexsort((numbers[order], code[order], when[order], group[order]))]

    # --- starts and completes, FIFO within each group
    sc = order[(code[order] == _START) | (code[order] == _COMPLETE)]
    g = group[sc]
    is_start = code[sc] == _START
    starts_so_far = pd.Series(is_start.astype(np.int64)).groupby(g).cumsum().to_numpy()
    done = sc[~is_start]
    g_done = g[~is_start]
    j = pd.Series(np.ones(len(done), dtype=np.int64)).groupby(g_done).cumsum().to_numpy()
    gap = pd.Series(starts_so_far[~is_start] - j).groupby(g_done).cummin().to_numpy()
    matched_count = j + np.minimum(gap, 0)
    before = pd.Series(matched_count).groupby(g_done).shift(1, fill_value=0).to_numpy()
    matched = matched_count > before

    start_rows = sc[is_start]
    g_start = g[is_start]  # sorted by group, then time: start number k is at first + k - 1
    first = np.searchsorted(g_start, g_done, side="left")
    take = np.where(matched, first + matched_count - 1, -1)
    start_of = np.where(matched, start_rows[np.clip(take, 0, None)] if len(start_rows) else -1, -1)
    last_matched = pd.Series(matched_count).groupby(g_done).max()
    per_start = pd.Series(g_start).map(last_matched).fillna(0).to_numpy(dtype=np.int64)
    number = pd.Series(np.ones(len(start_rows), dtype=np.int64)).groupby(g_start).cumsum()
    open_starts = start_rows[number.to_numpy() > per_start]

    out = rows.iloc[done].copy()
    begun = np.full(len(done), np.iinfo(np.int64).min, dtype=np.int64)  # the minimum is NaT
    begun[matched] = when[start_of[matched]]
    start_values = pd.Series(begun.view("datetime64[ns]"), index=out.index)
    if isinstance(rows[timestamp].dtype, pd.DatetimeTZDtype):
        start_values = start_values.dt.tz_localize("UTC").dt.tz_convert(rows[timestamp].dt.tz)
    out[START] = start_values

    # --- suspend / resume pauses
    aside: list[SetAside] = []
    pauses = order[(code[order] == _SUSPEND) | (code[order] == _RESUME)]
    if len(pauses):
        pause_minutes, lone = _pauses(pauses, code, group, when, done, matched, begun)
        out[SUSPENDED] = np.where(matched, pause_minutes, np.nan)
        if len(lone):
            aside.append(SetAside("unpaired_suspend_resume", _sorted(numbers[lone])))
    out = out.drop(columns=[lifecycle]).iloc[np.argsort(done, kind="stable")]
    if len(open_starts):
        aside.insert(0, SetAside("start_without_complete", _sorted(numbers[open_starts])))
    acts = pd.factorize(rows[activity])[0]
    started = np.zeros(acts.max() + 1 if len(acts) else 0, dtype=bool)
    started[acts[start_rows]] = True
    lone = done[~matched & started[acts[done]]]
    if len(lone):
        where = 1 if len(open_starts) else 0
        aside.insert(where, SetAside("complete_without_start", _sorted(numbers[lone])))
    return Pairing(out, tuple(aside), ignored)


def _pauses(
    pauses: np.ndarray,
    code: np.ndarray,
    group: np.ndarray,
    when: np.ndarray,
    done: np.ndarray,
    matched: np.ndarray,
    begun: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Paused minutes per complete (in ``done`` order) and the rows that fit no event."""
    g = group[pauses]
    is_resume = code[pauses] == _RESUME
    prev_suspend = np.r_[False, (code[pauses[:-1]] == _SUSPEND) & (g[1:] == g[:-1])]
    closes = is_resume & prev_suspend  # a resume right after a suspend of its group
    res = np.flatnonzero(closes)
    period = pd.DataFrame(
        {"g": g[res], "s": when[pauses[res - 1]], "r": when[pauses[res]], "k": np.arange(len(res))}
    )
    work = pd.DataFrame(
        {"g": group[done][matched], "b": begun[matched], "e": when[done][matched]}
    ).assign(i=np.flatnonzero(matched))
    minutes = np.zeros(len(done))
    fits = np.zeros(len(res), dtype=bool)
    if len(period) and len(work):
        hit = pd.merge_asof(
            period.sort_values("s"), work.sort_values("b"), left_on="s", right_on="b",
            by="g", direction="backward",
        )  # fmt: skip
        ok = hit["i"].notna().to_numpy() & (hit["e"].to_numpy() >= hit["r"].to_numpy())
        hit = hit[ok]
        fits[hit["k"].to_numpy()] = True
        np.add.at(
            minutes,
            hit["i"].to_numpy(dtype=np.int64),
            (hit["r"].to_numpy() - hit["s"].to_numpy()) / 60e9,
        )
    used = np.zeros(len(pauses), dtype=bool)
    used[res[fits]] = True
    used[res[fits] - 1] = True
    return minutes, pauses[~used]


def _sorted(values: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in np.sort(values))


# --------------------------------------------------------------------------- read_log's helpers


def _drop_duplicates(
    rows: pd.DataFrame, keys: list[str | None], row: str, aside: list[SetAside]
) -> pd.DataFrame:
    """Set aside rows equal to an earlier one in ``keys`` (those present)."""
    keys = [c for c in keys if c and c in rows.columns]
    dup = rows.duplicated(subset=keys, keep="first").to_numpy()
    if not dup.any():
        return rows
    aside.append(SetAside("duplicate", _sorted(rows[row].to_numpy()[dup])))
    return rows.loc[~dup]


def _drop_late_starts(events: pd.DataFrame, row: str, aside: list[SetAside]) -> pd.DataFrame:
    """Set aside start times after their completion: the event keeps its completion."""
    late = (events[START] > events[TIMESTAMP]).to_numpy(dtype=bool, na_value=False)
    if not late.any():
        return events
    aside.append(SetAside("start_after_complete", _sorted(events[row].to_numpy()[late])))
    events = events.copy()
    events.loc[late, START] = pd.NaT
    return events


def _report(aside: list[SetAside], name: str, unit: str, *, strict: bool) -> None:
    """Warn once per kind of set-aside rows, or raise one line naming all of them."""
    if not aside:
        return
    if strict:
        from analysis.schema import LogError

        parts = [a.text(name, unit).split(": ", 1)[1] for a in aside]
        raise LogError(f"{name}: strict reading: {'; '.join(parts)}")
    for a in aside:
        warnings.warn(a.text(name, unit), UserWarning, stacklevel=4)
