"""When each clerk or desk works: weekly hour-by-weekday calendars learned from a log.

The waiting-time causes (:mod:`analysis.waiting_causes`) need to know when a
resource was off duty. Logs do not say; :func:`learn_calendars` reads it from
when each resource was seen at work, by one rule:

* a resource is *seen* at an instant when one of its events starts or
  completes then (in the centre's wall clock: pass it already converted);
* time is cut into the 168 hour slots of a week (Monday 00:00-01:00 is slot
  0); a week runs from Monday 00:00;
* a slot is **on duty** for a resource when the resource was seen in it in
  at least ``max(1, ceil(min_support x W))`` different weeks, ``W`` the
  number of weeks the resource was seen at all (default ``min_support``
  0.1: a clerk who once answered a file at 22:00 in a year of work is not
  on duty at 22:00);
* a resource seen in fewer than ``min_weeks`` weeks or at fewer than
  ``min_seen`` instants gets the **pooled** calendar instead: the same rule
  over the instants of all resources together, ``W`` the weeks of the log
  (too few sightings do not make a calendar; the centre's hours are the
  best guess for them).

The hour granularity is deliberate: the same as the weekly profile of the
report, fine enough for opening hours and lunch breaks, coarse enough to be
learned from a few weeks of work.

Examples
--------
>>> import numpy as np
>>> cal = WorkCalendars.fixed(["r1"], days=(0, 1, 2, 3, 4), hours=range(8, 16))
>>> monday = 4 * 1440.0  # minutes from 1970-01-01 (a Thursday) to Monday 5 January
>>> a, b = np.array([monday + 15 * 60]), np.array([monday + 24 * 60 + 9 * 60])
>>> cal.off_duty(np.array([0]), a, b).tolist()  # Mon 15:00 to Tue 09:00: 16 h off
[960.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MIN_SEEN", "MIN_SUPPORT", "MIN_WEEKS", "SLOTS", "WorkCalendars", "learn_calendars"]

#: Hour slots of a week.
SLOTS: int = 168
#: Share of a resource's weeks it must be seen in a slot for the slot to be on duty.
MIN_SUPPORT: float = 0.10
#: Fewer weeks than this: the resource gets the pooled calendar.
MIN_WEEKS: int = 2
#: Fewer sightings than this: the resource gets the pooled calendar.
MIN_SEEN: int = 20

_WEEK = 10080.0
_MONDAY = 4 * 1440.0  # 1970-01-05, the first Monday after the epoch, in minutes


@dataclass(frozen=True, eq=False)
class WorkCalendars:
    """On-duty hour slots per resource (rule: module docs).

    Attributes
    ----------
    resources : tuple of str
        The resources, in the order of the rows of ``on_duty``.
    on_duty : numpy.ndarray of bool, shape (n, 168)
        Whether each resource works in each hour slot of the week (Monday
        00:00-01:00 first).
    learned : numpy.ndarray of bool, shape (n,)
        Whether the row was learned from the resource's own work (False: the
        pooled calendar, too few sightings).
    """

    resources: tuple[str, ...]
    on_duty: np.ndarray
    learned: np.ndarray

    @classmethod
    def fixed(
        cls, resources: Sequence[str], *, days: Iterable[int], hours: Iterable[int]
    ) -> WorkCalendars:
        """The same weekly hours for every resource (days 0 = Monday, hours 0..23).

        Examples
        --------
        >>> WorkCalendars.fixed(["a"], days=[0], hours=[8, 9]).on_duty.sum()
        np.int64(2)
        """
        row = np.zeros(SLOTS, dtype=bool)
        for d in days:
            for h in hours:
                row[24 * int(d) + int(h)] = True
        n = len(resources)
        return cls(tuple(map(str, resources)), np.tile(row, (n, 1)), np.ones(n, dtype=bool))

    def index(self, names: np.ndarray) -> np.ndarray:
        """Row of each resource name (-1 when unknown)."""
        return pd.Index(self.resources).get_indexer(np.asarray(names, dtype=object))

    def weekly_hours(self) -> pd.Series:
        """Hours on duty per week of each resource.

        Examples
        --------
        >>> WorkCalendars.fixed(["a", "b"], days=range(5), hours=range(8, 16)).weekly_hours()
        a    40
        b    40
        dtype: int64
        """
        return pd.Series(self.on_duty.sum(axis=1), index=list(self.resources))

    def off_duty(self, rows: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Minutes off duty of resource ``rows`` between ``begin`` and ``end``.

        Times are wall-clock minutes since 1970-01-01 00:00; an empty or
        reversed interval gives 0. Exact: it counts whole weeks, then the
        slots of the part weeks, from a cumulative on-duty function.
        """
        begin = np.asarray(begin, dtype=float)
        end = np.maximum(np.asarray(end, dtype=float), begin)
        rows = np.asarray(rows, dtype=np.int64)
        return (end - begin) - (self._on_before(rows, end) - self._on_before(rows, begin))

    def last_on_duty(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The latest moment at or before ``t`` with resource ``rows`` on duty just before it.

        ``t`` itself when the resource is on duty in the minute before it,
        else the end of its last on-duty hour; ``-inf`` for a resource never
        on duty.

        Examples
        --------
        >>> import numpy as np
        >>> cal = WorkCalendars.fixed(["r"], days=range(5), hours=range(8, 16))
        >>> tue_9 = 4 * 1440.0 + 1440 + 9 * 60
        >>> (cal.last_on_duty(np.array([0, 0]), np.array([tue_9, tue_9 - 60])) - 4 * 1440).tolist()
        [1980.0, 960.0]
        """
        rows = np.asarray(rows, dtype=np.int64)
        t = np.asarray(t, dtype=float)
        twice = np.concatenate([self.on_duty, self.on_duty], axis=1)
        idx = np.where(twice, np.arange(2 * SLOTS), -1)
        last = np.maximum.accumulate(idx, axis=1)[:, SLOTS:] - SLOTS  # last on slot <= h
        shifted = t - _MONDAY - 1e-6
        week = np.floor(shifted / _WEEK)
        slot = np.clip(((shifted - week * _WEEK) // 60.0).astype(np.int64), 0, SLOTS - 1)
        j = last[rows, slot]
        on = self.on_duty[rows, slot]
        end = _MONDAY + week * _WEEK + (j + 1) * 60.0
        return np.where(on, t, np.where(j < -SLOTS, -np.inf, end))

    def _on_before(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        on = self.on_duty.astype(float)
        cum = np.zeros((len(on), SLOTS + 1))
        np.cumsum(on * 60.0, axis=1, out=cum[:, 1:])
        shifted = t - _MONDAY
        week = np.floor(shifted / _WEEK)
        into = shifted - week * _WEEK
        slot = np.clip((into // 60.0).astype(np.int64), 0, SLOTS - 1)
        return week * cum[rows, SLOTS] + cum[rows, slot] + on[rows, slot] * (into - 60.0 * slot)


def learn_calendars(
    resources: np.ndarray,
    instants: np.ndarray,
    *,
    min_support: float = MIN_SUPPORT,
    min_weeks: int = MIN_WEEKS,
    min_seen: int = MIN_SEEN,
) -> WorkCalendars:
    """Learn each resource's on-duty slots from when it was seen at work (rule: module docs).

    Parameters
    ----------
    resources : array-like
        The resource of each sighting (NaN/None entries are skipped); a
        categorical is read without copying its labels.
    instants : numpy.ndarray of float
        When, as wall-clock minutes since 1970-01-01 00:00 (NaN skipped).
    min_support, min_weeks, min_seen
        The thresholds of the rule.

    Examples
    --------
    A clerk seen at 09:xx and 10:xx on the Mondays of three weeks, and once
    at 22:00: on duty Monday 09:00 to 11:00 only.

    >>> import numpy as np
    >>> monday = 4 * 1440.0
    >>> seen = [monday + w * 10080 + h * 60 + 5 for w in range(3) for h in (9, 10)]
    >>> seen += [monday + 22 * 60]
    >>> cal = learn_calendars(np.array(["r"] * 7), np.array(seen), min_seen=1, min_support=0.5)
    >>> np.flatnonzero(cal.on_duty[0]).tolist(), bool(cal.learned[0])
    ([9, 10], True)
    """
    t = np.asarray(instants, dtype=float)
    codes, uniques = pd.factorize(pd.Series(resources))
    ok = ~np.isnan(t) & (codes >= 0)
    t = t[ok]
    codes, used = pd.factorize(codes[ok])
    uniques = pd.Index(uniques).take(used).astype(str)
    n = len(uniques)
    shifted = t - _MONDAY
    week = np.floor(shifted / _WEEK).astype(np.int64)
    slot = np.clip(((shifted - week * _WEEK) // 60.0).astype(np.int64), 0, SLOTS - 1)
    seen = pd.DataFrame({"r": codes, "w": week, "s": slot})
    on = np.zeros((n, SLOTS), dtype=bool)
    learned = np.zeros(n, dtype=bool)
    if n:
        weeks = seen.groupby("r")["w"].nunique().reindex(range(n), fill_value=0).to_numpy()
        count = np.bincount(codes, minlength=n)
        slot_weeks = seen.drop_duplicates().groupby(["r", "s"]).size()
        need = np.maximum(1, np.ceil(min_support * weeks - 1e-9))
        r_idx = slot_weeks.index.get_level_values(0).to_numpy()
        s_idx = slot_weeks.index.get_level_values(1).to_numpy()
        keep = slot_weeks.to_numpy() >= need[r_idx]
        on[r_idx[keep], s_idx[keep]] = True
        learned = (weeks >= min_weeks) & (count >= min_seen)
        pooled_weeks = seen[["w", "s"]].drop_duplicates().groupby("s").size()
        pooled = np.zeros(SLOTS, dtype=bool)
        need_all = max(1.0, np.ceil(min_support * seen["w"].nunique() - 1e-9))
        pooled[pooled_weeks.index.to_numpy()[pooled_weeks.to_numpy() >= need_all]] = True
        on[~learned] = pooled
    return WorkCalendars(tuple(str(u) for u in uniques), on, learned)
